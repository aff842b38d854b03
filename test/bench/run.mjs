// npm run bench [-- --quick] [--json FILE] [--node] [--filter TEXT]
// Runs the suite in headless Chromium (default) or in Node through Dawn (--node)
// and prints one table: ours, TF.js and the CPU reference on the same device.
import { writeFileSync, existsSync } from 'node:fs';
import { openPage, startServer } from '../support/browser.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const options = { quick: flag('--quick'), filter: value('--filter') };
const TF_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'];

async function inBrowser() {
  const h = await openPage('/test/bench/bench.html', TF_PACKAGES);
  h.page.on('console', (m) => {
    if (m.text().startsWith('bench: ')) console.error(m.text());
  });
  try {
    return await h.page.evaluate((o) => window.bench.run(o), options);
  } finally {
    await h.close();
  }
}

async function inNode() {
  if (!process.env.VK_ICD_FILENAMES && existsSync('/usr/lib/chromium/vk_swiftshader_icd.json')) {
    // Debian's lavapipe is too old for Dawn; Chromium's SwiftShader ICD works.
    process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
  }
  let webgpu;
  try {
    webgpu = await import('webgpu');
  } catch {
    throw new Error("--node needs the 'webgpu' package (Dawn for Node): npm install -D webgpu");
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('Dawn found no WebGPU adapter');
  const device = await adapter.requestDevice({
    requiredLimits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
  });
  const { server } = await startServer();
  try {
    const { createPoolEngine } = await server.ssrLoadModule('/src/index.ts');
    const { runSuite } = await server.ssrLoadModule('/test/bench/suite.ts');
    const engine = await createPoolEngine({ device });
    let tf = null;
    let tfProblem = '';
    try {
      globalThis.navigator ??= {};
      const { tfOnDevice } = await server.ssrLoadModule('/test/bench/tf-shared-device.ts');
      tf = await tfOnDevice(device, adapter.info);
    } catch (e) {
      tfProblem = `TF.js WebGPU backend did not start in Node: ${e?.message ?? e}`;
      console.error(tfProblem);
    }
    const i = adapter.info ?? {};
    const description = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.replace(/\s+/g, ' ').trim() + ` — Node ${process.version}, Dawn (webgpu package)`;
    const report = await runSuite(engine, tf, description, { ...options, log: (l) => console.error(`bench: ${l}`) });
    if (tfProblem) report.skipped.push(tfProblem);
    return report;
  } finally {
    await server.close();
  }
}

const fmt = (v, d = 3) => (v === null || v === undefined ? '-' : v.toFixed(d));

function table(report) {
  const head = ['config', 'layout', 'pass', 'ours ms', 'TF.js ms', 'TF.js/ours', 'CPU ms', 'MB moved', 'GB/s', 'of copy'];
  const body = report.rows.map((r) => [
    r.id,
    r.layout,
    r.pass,
    fmt(r.oursMs),
    fmt(r.tfMs),
    r.tfMs ? (r.tfMs / r.oursMs).toFixed(2) + 'x' : r.tfNote ? 'n/a' : '-',
    fmt(r.cpuMs, 1),
    (r.bytes / 1e6).toFixed(2),
    r.gbps.toFixed(2),
    (100 * r.ofCopy).toFixed(0) + '%',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

function summary(report) {
  const ratios = report.rows.filter((r) => r.tfMs).map((r) => ({ r, x: r.tfMs / r.oursMs }));
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
  };
  const lines = [
    `device: ${report.adapter}`,
    `copy kernel (roofline): ${report.copyGBps.toFixed(2)} GB/s`,
    `configurations with TF.js: ${ratios.length}; median TF.js/ours ${med(ratios.map((q) => q.x)).toFixed(2)}x; slowest ratio ${Math.min(...ratios.map((q) => q.x)).toFixed(2)}x`,
  ];
  const slower = ratios.filter((q) => q.x < 1).map((q) => `${q.r.id} ${q.r.layout} ${q.r.pass} (${q.x.toFixed(2)}x)`);
  if (slower.length) lines.push(`slower than TF.js: ${slower.join('; ')}`);
  const big = report.rows.filter((r) => r.pass === 'forward' && r.bytes >= 8e6);
  if (big.length) lines.push(`large forward configs (>= 8 MB): ${big.map((r) => `${(100 * r.ofCopy).toFixed(0)}%`).join(', ')} of copy bandwidth`);
  for (const s of report.skipped) lines.push(`skipped: ${s}`);
  return lines.join('\n');
}

const report = await (flag('--node') ? inNode() : inBrowser());
report.date = new Date().toISOString();
report.mode = flag('--node') ? 'node' : 'browser';
console.log(table(report));
console.log(summary(report));
const json = value('--json');
if (json) writeFileSync(json, JSON.stringify(report, null, 2));
process.exit(0);
