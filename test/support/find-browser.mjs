// Finds an installed Chrome or Chromium for the tests, the golden runner and the
// benchmark. Plain Node with no dependencies, so the set-up script can use it
// before `npm install`.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'google-chrome-beta', 'chrome'];

const FIXED_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  join(homedir(), 'Applications/Google Chrome.app/Contents/MacOS/Google Chrome'),
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

function onPath(name) {
  try {
    const found = execFileSync(process.platform === 'win32' ? 'where' : 'which', [name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split(/\r?\n/)[0]
      .trim();
    return found && existsSync(found) ? found : null;
  } catch {
    return null;
  }
}

/**
 * The browser to use, in order: $PUPPETEER_EXECUTABLE_PATH, $CHROME_PATH, a
 * Chrome or Chromium on PATH, then the usual install locations. null if none.
 */
export function findBrowser() {
  for (const variable of ['PUPPETEER_EXECUTABLE_PATH', 'CHROME_PATH']) {
    const value = process.env[variable];
    if (value) {
      if (!existsSync(value)) throw new Error(`${variable}=${value} does not exist`);
      return value;
    }
  }
  for (const name of NAMES) {
    const found = onPath(name);
    if (found) return found;
  }
  return FIXED_PATHS.find((p) => existsSync(p)) ?? null;
}

/** Flags that give headless Chromium WebGPU (SwiftShader where there is no GPU) and keep it off the network. */
export const BROWSER_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
