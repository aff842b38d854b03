// The ONNX conformance runner (`npm run test:onnx`): every pooling test of ONNX's
// backend test data (Debian's libonnx-testdata, or $ONNX_DATA_DIR) through the
// CPU reference in Node and the GPU in headless Chromium, each in both layouts,
// via webgpu-pool/onnx's attribute mapping. The last line it prints is
// `onnx: N cases, P passed, F failed, S pending`.
import { openPage } from '../support/browser.mjs';

/** An ONNX tensor as plain data for the page: int64 as numbers (the data's indices are small), uint8 widened. */
function plain(t) {
  const data = Array.from(t.data, (v) => Number(v));
  if (t.dtype === 'int64' && t.data.some((v) => v > 2n ** 31n - 1n || v < -(2n ** 31n))) throw new Error(`${t.name}: int64 values outside int32`);
  return { dims: [...t.dims], dtype: t.dtype, data };
}

/** The one pooling node of a test graph, and the axes an Unsqueeze before it adds (undone by a Squeeze after it). */
function poolingNode(id, nodes) {
  if (nodes.length === 1) return { node: nodes[0], unsqueeze: [] };
  const [before, node, after] = nodes;
  const axes = before?.attributes.axes;
  if (nodes.length === 3 && before.opType === 'Unsqueeze' && after.opType === 'Squeeze' && JSON.stringify(axes) === JSON.stringify(after.attributes.axes)) {
    return { node, unsqueeze: [...axes].sort((a, b) => a - b) };
  }
  throw new Error(`${id}: a graph of ${nodes.map((n) => n.opType).join(', ')}, not one pooling node`);
}

async function main() {
  const harness = await openPage();
  const lines = [];
  let total = 0;
  let passed = 0;
  let failed = 0;
  let pending = 0;
  const pendingOps = new Map();
  try {
    const data = await harness.server.ssrLoadModule('/test/support/onnx-data.ts');
    const ops = await harness.server.ssrLoadModule('/test/onnx/onnx-ops.ts');
    const adapter = await harness.page.evaluate('window.harness.adapter');
    lines.push(`onnx: ${data.ONNX_DATA_DIR}; GPU adapter ${JSON.stringify(adapter)}`);
    const cases = [];
    for (const id of data.listPoolingCaseDirs()) {
      const loaded = data.loadOnnxCase(id);
      const { node, unsqueeze } = poolingNode(id, loaded.model.nodes);
      loaded.sets.forEach((set, k) => {
        const suffix = loaded.sets.length > 1 ? ` set ${k}` : '';
        // PyTorch's 1-D pooling exported as Unsqueeze → 2-D pooling → Squeeze: the same data with a size-1 axis.
        const widen = (t) => ({ ...t, dims: unsqueeze.reduce((dims, axis) => [...dims.slice(0, axis), 1, ...dims.slice(axis)], t.dims) });
        cases.push({
          id: id + suffix,
          op: node.opType,
          attributes: node.attributes,
          inputs: set.inputs.map((t, i) => (i === 0 ? widen(t) : t)),
          outputs: set.outputs.map(widen),
        });
      });
    }
    const runnable = [];
    for (const c of cases) {
      total++;
      const reason = ops.PENDING_ONNX_OPS[c.op];
      if (reason) {
        pending++;
        const entry = pendingOps.get(c.op) ?? { count: 0, reason };
        entry.count++;
        pendingOps.set(c.op, entry);
        continue;
      }
      runnable.push({ ...c, inputs: c.inputs.map(plain), outputs: c.outputs.map(plain) });
    }
    const gpu = runnable.length ? await harness.page.evaluate((cs) => window.harness.runOnnxCases(cs), runnable) : {};
    for (const c of runnable) {
      const failures = [];
      for (const last of [false, true]) failures.push(...(await ops.checkOnnxCase(c, 'cpu', last)));
      failures.push(...(gpu[c.id] ?? [`${c.id}: no GPU result`]));
      if (failures.length) {
        failed++;
        lines.push(`FAIL ${c.id} (${c.op} ${JSON.stringify(c.attributes)})`, ...failures.map((f) => `  ${f}`));
      } else {
        passed++;
      }
    }
    if (harness.errors.length) {
      lines.push('browser console errors:', ...harness.errors.map((e) => `  ${e}`));
      failed++;
    }
  } finally {
    await harness.close();
  }
  for (const line of lines) console.log(line);
  for (const [op, { count, reason }] of pendingOps) console.log(`onnx: pending ${op} (${count}): ${reason}`);
  console.log(`onnx: ${total} cases, ${passed} passed, ${failed} failed, ${pending} pending`);
  return failed === 0 && total > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
