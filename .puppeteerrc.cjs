// Puppeteer must never download its own browser (the build machines have no
// route to its download host); tests find an installed Chrome or Chromium
// through test/support/browser.mjs instead.
module.exports = { skipDownload: true };
