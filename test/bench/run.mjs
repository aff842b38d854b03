// npm run bench [-- --quick] [--json FILE] [--markdown FILE] [--node] [--filter TEXT] [--parallelism N]
// npm run bench -- --from-json FILE --markdown FILE   (re-render a saved run)
// Runs the suite in headless Chromium (default) or in Node through Dawn (--node)
// and prints one table: ours, TF.js and the CPU reference on the same device.
import { writeFileSync, existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
// --parallelism N: the engine's parallelism option (threads to keep in flight), to tune it on a device.
const parallelism = value('--parallelism') === undefined ? undefined : Number(value('--parallelism'));
const options = { quick: flag('--quick'), filter: value('--filter'), parallelism };
const TF_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-layers'];

async function inBrowser() {
  const { openPage } = await import('../support/browser.mjs');
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
  const requiredLimits = { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize };
  const device = await adapter.requestDevice({ requiredLimits });
  // TF.js's WebGPU backend registers itself on import, and only where navigator.gpu exists.
  if (!globalThis.navigator) globalThis.navigator = {};
  if (!globalThis.navigator.gpu) Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  // BENCH_BUNDLE: test/bench/build-node-bundle.mjs's output, for a machine with no node_modules.
  const server = process.env.BENCH_BUNDLE ? null : (await (await import('../support/browser.mjs')).startServer()).server;
  const load = async (path) => (server ? server.ssrLoadModule(path) : import(process.env.BENCH_BUNDLE));
  try {
    const { createPoolEngine } = await load('/src/index.ts');
    const { runSuite } = await load('/test/bench/suite.ts');
    const { freshDevices } = await load('/test/bench/integration.ts');
    const engine = await createPoolEngine({ device, parallelism });
    let tf = null;
    let tfProblem = '';
    try {
      const { tfOnDevice } = await load('/examples/demo/tf-on-device.ts');
      tf = await tfOnDevice(device, adapter.info);
    } catch (e) {
      tfProblem = `TF.js WebGPU backend did not start in Node: ${e?.message ?? e}`;
      console.error(tfProblem);
    }
    const i = adapter.info ?? {};
    const description =
      `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.replace(/\s+/g, ' ').trim() + ` — Node ${process.version}, Dawn (webgpu package)`;
    const report = await runSuite(engine, tf, description, {
      ...options,
      freshDevice: freshDevices(gpu, adapter, requiredLimits),
      defaultLimitsDevice: async () => (await freshDevices(gpu, adapter, {})()).device,
      log: (l) => console.error(`bench: ${l}`),
    });
    if (tfProblem) report.skipped.push(tfProblem);
    return report;
  } finally {
    await server?.close();
  }
}

const fmt = (v, d = 3) => (v === null || v === undefined ? '-' : v.toFixed(d));

function table(report) {
  const head = [
    'config',
    'layout',
    'pass',
    'ours ms',
    'TF.js ms',
    'TF.js/ours',
    'CPU ms',
    'MB moved',
    'GB/s',
    'copy GB/s',
    'of copy',
    'f16 ms',
    'f16 MB',
    'f32/f16',
    'f16 of copy',
  ];
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
    r.copyGBps === undefined ? '-' : r.copyGBps.toFixed(2),
    (100 * r.ofCopy).toFixed(0) + '%',
    r.halfMs === null || r.halfMs === undefined ? (r.halfNote ? 'failed' : '-') : fmt(r.halfMs),
    r.halfMs ? (r.halfBytes / 1e6).toFixed(2) : '-',
    r.halfMs ? (r.oursMs / r.halfMs).toFixed(2) + 'x' : '-',
    r.halfMs ? (100 * r.halfOfCopy).toFixed(0) + '%' : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

/** The integration section (issue 17): batch against per-op submits, first calls with and without prepare, indices: false. */
function integrationTable(report) {
  const head = ['config', 'layout', 'variant', 'ms', 'speedup', 'MB moved', 'GB/s', 'copy GB/s', 'of copy', 'note'];
  const body = report.integration.map((r) => [
    r.id,
    r.layout,
    r.variant,
    fmt(r.ms),
    r.speedup === null ? '-' : `${r.speedup.toFixed(2)}x vs ${r.speedupOf}`,
    r.bytes === null ? '-' : (r.bytes / 1e6).toFixed(2),
    r.gbps === null ? '-' : r.gbps.toFixed(2),
    r.copyGBps === null ? '-' : r.copyGBps.toFixed(2),
    r.ofCopy === null ? '-' : (100 * r.ofCopy).toFixed(0) + '%',
    r.note,
  ]);
  return markdownTable(head, body);
}

function markdownTable(head, body) {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

/** One line per integration configuration for the summary. */
function integrationSummary(report) {
  const lines = [];
  for (const r of report.integration) {
    if (r.speedup === null) continue;
    const base = report.integration.find((b) => b.id === r.id && b.layout === r.layout && b.variant === r.speedupOf);
    const prep = r.variant === 'first call after prepare' ? report.integration.find((b) => b.id === r.id && b.variant === 'prepare') : null;
    lines.push(
      `integration: ${r.id} ${r.layout}: ${r.speedupOf} ${fmt(base?.ms)} ms -> ${r.variant} ${fmt(r.ms)} ms (${r.speedup.toFixed(2)}x)` +
        (prep ? `; prepare itself ${fmt(prep.ms)} ms` : ''),
    );
  }
  return lines;
}

function summary(report) {
  const ratios = report.rows.filter((r) => r.tfMs).map((r) => ({ r, x: r.tfMs / r.oursMs }));
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
  };
  const lines = [
    `device: ${report.adapter}`,
    ...(report.parallelism ? [`engine parallelism: ${report.parallelism} threads in flight`] : []),
    `copy kernel (roofline, measured between configurations): median ${report.copyGBps.toFixed(2)} GB/s`,
  ];
  if (report.halfCopyGBps)
    lines.push(
      `copy kernel unpacking and repacking every half (the float16 kernels' conversions on the same bytes): ${report.halfCopyGBps.toFixed(2)} GB/s, ${((100 * report.halfCopyGBps) / report.copyGBps).toFixed(0)}% of the plain copy`,
    );
  const halves = report.rows.filter((r) => r.halfMs);
  if (halves.length) {
    const ratios16 = halves.map((r) => r.oursMs / r.halfMs).sort((a, b) => a - b);
    lines.push(
      `float16: ${halves.length} rows; f32/f16 time ratio median ${ratios16[Math.floor(ratios16.length / 2)].toFixed(2)}x, from ${ratios16[0].toFixed(2)}x to ${ratios16.at(-1).toFixed(2)}x`,
    );
  }
  if (ratios.length)
    lines.push(
      `configurations with TF.js: ${ratios.length}; median TF.js/ours ${med(ratios.map((q) => q.x)).toFixed(2)}x; slowest ratio ${Math.min(...ratios.map((q) => q.x)).toFixed(2)}x`,
    );
  else lines.push('configurations with TF.js: none in this run');
  const heavy = ratios.filter((q) => q.r.op.startsWith('global') || q.r.pass === 'backward');
  if (heavy.length)
    lines.push(`global pooling and backward passes: slowest TF.js/ours ${Math.min(...heavy.map((q) => q.x)).toFixed(2)}x over ${heavy.length} configurations`);
  const slower = ratios.filter((q) => q.x < 1).map((q) => `${q.r.id} ${q.r.layout} ${q.r.pass} (${q.x.toFixed(2)}x)`);
  if (slower.length) lines.push(`slower than TF.js: ${slower.join('; ')}`);
  const big = report.rows.filter((r) => r.pass === 'forward' && r.bytes >= 8e6);
  if (big.length) lines.push(`large forward configs (>= 8 MB): ${big.map((r) => `${(100 * r.ofCopy).toFixed(0)}%`).join(', ')} of copy bandwidth`);
  lines.push(...integrationSummary(report));
  for (const s of report.skipped) lines.push(`skipped: ${s}`);
  return lines.join('\n');
}

function markdown(report) {
  return [
    '# Benchmarks',
    '',
    `Measured ${report.date} (${report.mode}${report.quick ? ', --quick: one batch item where the suite has several' : ''}).`,
    '',
    '```',
    summary(report),
    '```',
    '',
    ...(report.rows.length || !report.integration.length ? [table(report), ''] : []),
    ...(report.integration.length ? ['## Integration', '', integrationTable(report), ''] : []),
    '## How it is measured',
    '',
    '- Each row is one op on one device: ours (this library), TensorFlow.js 4.22 WebGPU backend on the same',
    '  `GPUDevice` (channels-last only: TF.js pools NHWC), and our CPU reference.',
    '- Pipeline creation and first use are excluded; each sample encodes many calls back to back and waits',
    '  once for the queue (`onSubmittedWorkDone`; TF.js is flushed first); at least 10 samples, median shown.',
    '- MB moved: input + output (+ indices) bytes the op must read and write. GB/s: that over our time.',
    '  "copy GB/s": a plain vec4 copy kernel of 64 MB on the same device (the practical roofline), measured',
    "  between configurations, since a shared machine's speed drifts during a run: each row takes the faster",
    '  of the copies just before and just after it. "of copy": GB/s as a fraction of that.',
    '- f16: the same op on float16 tensors (packed halves, the same data rounded), timed right after ours;',
    '  "f16 MB": the bytes it must move (2 per value, 4 per index); "f32/f16": ours ms over f16 ms (2x is the',
    '  bandwidth bound of halving the bytes); "f16 of copy": its GB/s against the same copy roofline.',
    '- Integration (`--filter integration` runs it alone), on the same device after the suite:',
    '  - chain: 64 ops on 1x64x28x28 NCHW, max (indices: false) and avg 3x3 s1 p1 alternating, each reading the',
    '    previous output and writing into one of two `wrap`ped buffers made once; each op submitted alone ("per op")',
    '    against the chain in one `engine.batch` ("batch"). ms per chain: median of warm repetitions (interleaved),',
    '    each ending with `onSubmittedWorkDone`; MB moved: 64 x (input + output).',
    '  - first call: maxPool 2x2 s2 on 1x64x56x56 on a fresh device each sample (pipelines are cached per device;',
    '    WebGPU gives one device per adapter, so each is from a new adapter of the same GPU), from the call until',
    '    `onSubmittedWorkDone`; without prepare, and after `await engine.prepare([...])` of that call, whose own',
    '    time is the "prepare" row; median of 5 fresh devices (3 with --quick). Browsers may keep compiled shaders',
    '    in a cache of their own across devices.',
    '  - indices: false: maxPool 2x2 s2 forward timed like the rows above, with indices and without; MB moved:',
    '    input + output (+ indices).',
    '  - large volume: 3-D max pooling 2x2x2 of a 1x40x64x128x128 float32 volume (160 MiB), timed like the rows above',
    "    on the bench's device (its adapter's limits: one binding holds it) and on a new device with the default",
    '    limits (128 MiB per binding), where the engine runs it in chunks (src/chunked-call.ts); the outputs of the',
    '    two are compared; MB moved: input + output + indices.',
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm run bench                    # the full suite in headless Chromium',
    'npm run bench -- --quick         # a few minutes on a 2-core machine with a software adapter',
    'npm run bench -- --node          # the same suite in Node through Dawn (the webgpu package)',
    'npm run bench -- --filter integration   # the integration section alone (batch, first call/prepare, indices: false)',
    'npm run bench -- --json out.json --markdown BENCHMARKS.md',
    '```',
    '',
  ].join('\n');
}

const report = value('--from-json') ? JSON.parse(readFileSync(value('--from-json'), 'utf8')) : await (flag('--node') ? inNode() : inBrowser());
if (!value('--from-json')) {
  report.date = new Date().toISOString();
  report.mode = flag('--node') ? 'node' : 'browser';
  report.quick = options.quick;
}
report.integration ??= [];
if (report.rows.length || !report.integration.length) console.log(table(report));
if (report.integration.length) console.log(`\nintegration:\n${integrationTable(report)}`);
console.log(summary(report));
const json = value('--json');
if (json) writeFileSync(json, JSON.stringify(report, null, 2));
const md = value('--markdown');
if (md) writeFileSync(md, markdown(report));
process.exit(0);
