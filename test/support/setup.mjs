// Set-up that `npm test` and `npm start` run first (pretest / prestart), so both
// work on a fresh clone: installs the npm dependencies when they are missing or
// stale, and (for the tests) finds a Chrome or Chromium, installing Debian's
// chromium when running as root with apt-get. Node builtins only: it runs before
// `npm install`.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBrowser } from './find-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const wantBrowser = !process.argv.includes('--no-browser');

function step(name, fn) {
  try {
    return fn();
  } catch (e) {
    console.error(`setup: ${name} failed: ${e.message}`);
    process.exit(1);
  }
}

function run(command) {
  execSync(command, { cwd: root, stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function dependenciesStale() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(join(root, 'node_modules', 'vite')) || !existsSync(marker)) return true;
  const lock = join(root, 'package-lock.json');
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs;
}

if (process.env.POOL_SKIP_INSTALL !== '1' && dependenciesStale()) {
  const command = existsSync(join(root, 'package-lock.json')) ? 'npm ci' : 'npm install';
  console.log(`setup: ${command}`);
  step(command, () => run(command));
}

if (wantBrowser) {
  let browser = step('finding a browser', () => findBrowser());
  const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!browser && canApt) {
    console.log('setup: no Chrome or Chromium found; installing Debian chromium');
    step('apt-get install chromium', () => {
      run('apt-get update');
      run('apt-get install -y chromium');
    });
    browser = step('finding a browser', () => findBrowser());
  }
  if (!browser) {
    console.error(
      'setup: no Chrome or Chromium found. Install one (Debian/Ubuntu: apt-get install chromium; or Google Chrome), ' +
        'or set PUPPETEER_EXECUTABLE_PATH to its executable.',
    );
    process.exit(1);
  }
  console.log(`browser: ${browser}`);
  // Dawn in Node (the package test) needs the system Vulkan loader.
  if (canApt && !hasVulkanLoader()) {
    console.log('setup: installing the Vulkan loader (libvulkan1) for Dawn in Node');
    step('apt-get install libvulkan1', () => run('apt-get install -y libvulkan1 || (apt-get update && apt-get install -y libvulkan1)'));
  }
}

function hasVulkanLoader() {
  try {
    return execSync('ldconfig -p', { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
}
