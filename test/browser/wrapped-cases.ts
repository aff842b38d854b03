// Runs one op on wrapped views of the test's own GPUBuffers (engine.wrap, `out`)
// in the page, and checks it against the CPU reference: every tensor of the call
// (inputs, indices, gradients, results) lives at a byte offset in a buffer of its
// own, with guard bytes of a known pattern before and after it. After the call
// the test reads the whole buffers back and checks that each result view equals
// the reference, each input view is what it wrote, and every guard byte is
// unchanged, and that tensor.read() of each view returns its bytes. Variants put
// every view of a call into one shared buffer (WebGPU forbids binding one buffer
// read-only and writable in one dispatch, so the engine stages copies), leave
// `out` off (the engine allocates), end each buffer where its view ends (no room
// for a vec4 read past it), or record the call in engine.batch / engine.encode.
// No engine buffer may outlive the call (engine.stats() before and after).
// In float16 (dtype) every float view is float16: halves packed two to a word,
// the data written is the random values' half bits, the reference runs in its
// float16 semantics (reference.inFloat16: picked results exact, the rest within
// one half ulp more than the float32 bound), and the guards are halves: a view
// of odd length ends mid-word, and the half after it in that word (bound by the
// kernels, never written) must come back unchanged like every other guard.
import { fromHalfBits, halfValue, roundToHalf, toHalfBits } from '../../src/half';
import type { PoolEngine, PoolTensor } from '../../src/index';
import { layoutInfo, type Dims, type Layout } from '../../src/layout';
import * as reference from '../../src/reference/index';
import type { HostTensor } from '../../src/reference/index';
import { halfBounds, mismatches, type PerElement, type Tolerance } from '../support/compare';
import { randomData, type DataKind } from '../support/random';
import { engineFor } from './binned-cases';

export interface WrappedCase {
  name: string;
  /** The engine op under test (a backward op takes its inputs from the CPU reference). */
  op: string;
  layout: Layout;
  /** The input's shape, in the layout's order. */
  shape: number[];
  /** Byte offset of every view in its buffer (a multiple of 256). */
  offset: number;
  options?: Record<string, unknown>;
  seed: number;
  /**
   * 'sameBuffer': every view of the call in one GPUBuffer, disjoint; 'noOut': inputs wrapped, results allocated
   * by the engine; 'tight': each buffer ends where its view does (no guard after it: a vec4 kernel may not read past).
   */
  variant?: 'sameBuffer' | 'noOut' | 'tight';
  /** Record the call with engine.batch (one submission), or engine.encode into the test's own encoder (the test submits). */
  record?: 'batch' | 'encode';
  /** false: on an engine of the same device forced onto workgroup memory (GeM's statistics without subgroups). */
  subgroups?: false;
  /** 'float16': every float view (inputs, gradients, results) is float16; indices stay int32. Default float32. */
  dtype?: 'float16';
}

export interface WrappedResult {
  /** Result elements compared with the reference. */
  compared: number;
  /** Input elements checked unchanged. */
  inputsChecked: number;
  /** Guard bytes checked unchanged. */
  guardBytes: number;
  /** Views wrapped. */
  views: number;
  /** float16 views of odd length: each ends mid-word, the half after it a guard. */
  oddHalfViews: number;
  failures: string[];
}

const EXACT: Tolerance = { abs: 0, rel: 0 };
/** Sums as the window and binned tests compare them (window-cases.ts, binned-cases.ts). */
const SUM: Tolerance = { abs: 1e-5, rel: 1e-4 };
const LP: Tolerance = { abs: 1e-4, rel: 1e-3 };
const GEM: Tolerance = { abs: 2e-5, rel: 2e-4 };
const GEM_P: Tolerance = { abs: 1e-4, rel: 1e-3 };
/** Gradients of max-style ops: sums of a few gathered gradients, in any order. */
const SCATTER: Tolerance = { abs: 1e-6, rel: 1e-6 };

/** Guard patterns: the float bits of -7777.5, and an int pattern for buffers that hold only indices. */
const FLOAT_GUARD = new Uint32Array(new Float32Array([-7777.5]).buffer)[0];
const INT_GUARD = 0x5a5a5a5a;
/** float16: the half -777.5 (0xe213) in both halves of each word, so a guard half is the same at either position. */
const HALF_GUARD = 0xe213 * 0x10001;
/** Guard bytes after each view (and between views of a shared buffer). */
const GUARD = 256;
/** Variant sameBuffer: the size of the one buffer (the bytes after the last view are guard bytes too). */
const SHARED_BYTES = 1 << 16;

type AnyHost = HostTensor<Float32Array> | HostTensor<Int32Array>;
type AnyTensor = PoolTensor<'float32'> | PoolTensor<'int32'>;
type Bound = Tolerance | PerElement;

/** The reference in float16 semantics: every op rounds its float arguments and results to half (reference.inFloat16). */
const HALF_REFERENCE = Object.fromEntries(
  Object.entries(reference).map(([name, f]) => [name, typeof f === 'function' && name !== 'hostTensor' ? reference.inFloat16(f as never) : f]),
) as unknown as typeof reference;

interface Slot {
  label: string;
  buffer: Placed;
  offset: number;
  /** Bytes of the view's elements (2 per float16 element: an odd count ends mid-word). */
  bytes: number;
  /** Whether the view is float16 (a float view of a float16 case). */
  half: boolean;
  host: AnyHost;
  role: 'input' | 'result';
  tol: Bound;
  tensor: AnyTensor;
}

interface Placed {
  gpu: GPUBuffer;
  size: number;
  guard: number;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** What an op's case builder gets: data makers, and view makers that place and track every tensor. */
class Kit {
  readonly slots: Slot[] = [];
  readonly buffers: Placed[] = [];
  /** Results the engine allocated (variant noOut), read with tensor.read(). */
  readonly allocated: { label: string; tensor: AnyTensor; want: AnyHost; tol: Bound }[] = [];
  readonly failures: string[] = [];
  #seed: number;

  /** Whether the case runs in float16. */
  readonly half: boolean;
  /** The CPU reference in the case's float dtype (its float16 semantics in float16). */
  readonly r: typeof reference;

  constructor(
    readonly engine: PoolEngine,
    readonly c: WrappedCase,
  ) {
    this.#seed = c.seed;
    this.half = c.dtype === 'float16';
    this.r = this.half ? HALF_REFERENCE : reference;
  }

  /** The reference's ops by name, in the case's float dtype. */
  get ref(): Record<string, (...args: unknown[]) => any> {
    return this.r as unknown as Record<string, (...args: unknown[]) => any>;
  }

  get device(): GPUDevice {
    return this.engine.device;
  }

  get options(): any {
    return this.c.options ?? {};
  }

  /** Random float data shaped `shape` in the case's layout (or `layout`), on the host (rounded to half in float16). */
  data(shape: readonly number[], kind: DataKind = 'normal', layout: Layout = this.c.layout): HostTensor<Float32Array> {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = randomData(n, this.#seed++, kind);
    return reference.hostTensor(this.half ? roundToHalf(values) : values, shape, layout);
  }

  /** Random data shaped like a reference result (an upstream gradient). */
  like(t: AnyHost, kind: DataKind = 'normal'): HostTensor<Float32Array> {
    return this.data(t.shape, kind, t.layout);
  }

  /** A new GPUBuffer of `size` bytes filled with `guard`. */
  #buffer(size: number, guard: number, label: string): Placed {
    const gpu = this.device.createBuffer({
      label: `wrapped-test.${label}`,
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(gpu, 0, new Uint32Array(size / 4).fill(guard));
    const placed = { gpu, size, guard };
    this.buffers.push(placed);
    return placed;
  }

  /** Variant sameBuffer: the one buffer every view of the call lives in, and where the next view goes. */
  #shared: Placed | null = null;
  #cursor = 0;

  /** The dtype of a view of `host`: int32 indices, float views in the case's float dtype. */
  dtypeOf(host: AnyHost): 'int32' | 'float32' | 'float16' {
    return host.data instanceof Int32Array ? 'int32' : this.half ? 'float16' : 'float32';
  }

  #place(label: string, host: AnyHost, role: Slot['role'], tol: Bound): AnyTensor {
    const dtype = this.dtypeOf(host);
    // Kernels bind whole words: a float16 view of an odd count takes the word its last half starts.
    const words = roundUp(host.data.length * (dtype === 'float16' ? 2 : 4), 4);
    if (this.c.variant === 'sameBuffer') {
      // One buffer for the whole call, views one after another, each followed by ≥ GUARD guard bytes.
      if (!this.#shared) {
        this.#shared = this.#buffer(SHARED_BYTES, this.half ? HALF_GUARD : FLOAT_GUARD, 'shared');
        this.#cursor = this.c.offset;
      }
      const at = this.#cursor;
      this.#cursor = roundUp(at + words + GUARD, this.device.limits.minStorageBufferOffsetAlignment);
      if (this.#cursor > SHARED_BYTES) throw new Error(`sameBuffer: the views need more than ${SHARED_BYTES} bytes`);
      return this.#view(label, this.#shared, at, host, role, tol);
    }
    const guard = dtype === 'int32' ? INT_GUARD : dtype === 'float16' ? HALF_GUARD : FLOAT_GUARD;
    const buffer = this.#buffer(this.c.offset + words + (this.c.variant === 'tight' ? 0 : GUARD), guard, label);
    return this.#view(label, buffer, this.c.offset, host, role, tol);
  }

  #view(label: string, buffer: Placed, offset: number, host: AnyHost, role: Slot['role'], tol: Bound): AnyTensor {
    const dtype = this.dtypeOf(host);
    const half = dtype === 'float16';
    const bytes = host.data.length * (half ? 2 : 4);
    if (role === 'input') {
      if (half) {
        // The values' half bits, in whole words: the half after an odd view keeps the buffer's guard.
        const bits = new Uint16Array(roundUp(host.data.length, 2)).fill(buffer.guard >>> 16);
        bits.set(toHalfBits(host.data));
        this.device.queue.writeBuffer(buffer.gpu, offset, bits);
      } else this.device.queue.writeBuffer(buffer.gpu, offset, host.data);
    }
    const tensor = this.engine.wrap(buffer.gpu, host.shape, { layout: host.layout, offset, dtype: dtype as never, label }) as AnyTensor;
    if (!tensor.wrapped || tensor.byteOffset !== offset || tensor.byteLength !== bytes || tensor.dtype !== dtype) {
      this.failures.push(
        `${label}: wrap gave wrapped=${tensor.wrapped} byteOffset=${tensor.byteOffset} byteLength=${tensor.byteLength} dtype=${tensor.dtype}, want true ${offset} ${bytes} ${dtype}`,
      );
    }
    this.slots.push({ label, buffer, offset, bytes, half, host, role, tol, tensor });
    return tensor;
  }

  /** A wrapped view holding `host`'s data: an input of the call. */
  input(label: string, host: HostTensor<Float32Array>): PoolTensor<'float32'>;
  input(label: string, host: HostTensor<Int32Array>): PoolTensor<'int32'>;
  input(label: string, host: AnyHost): AnyTensor {
    return this.#place(label, host, 'input', EXACT);
  }

  /** A wrapped view for a result the reference computed as `want` (undefined in variant noOut: the engine allocates). */
  out(label: string, want: HostTensor<Float32Array>, tol: Tolerance): PoolTensor<'float32'> | undefined;
  out(label: string, want: HostTensor<Int32Array>, tol: Tolerance): PoolTensor<'int32'> | undefined;
  out(label: string, want: AnyHost, given: Tolerance): AnyTensor | undefined {
    // float16: picked results (EXACT) stay exact; the rest get one half ulp of the expected value on top.
    const tol: Bound = this.half && want.data instanceof Float32Array && (given.abs !== 0 || given.rel !== 0) ? halfBounds(want.data, given) : given;
    if (this.c.variant === 'noOut') {
      this.#pending.set(label, { want, tol });
      return undefined;
    }
    return this.#place(label, want, 'result', tol);
  }

  #pending = new Map<string, { want: AnyHost; tol: Bound }>();

  /**
   * What the op returned for result `label`: with `out` given it must be that very
   * tensor; without, the engine's own tensor, read and compared after the call.
   */
  returned(label: string, got: AnyTensor | null | undefined): void {
    const pending = this.#pending.get(label);
    if (pending) {
      this.#pending.delete(label);
      if (!got) {
        this.failures.push(`${label}: the op returned ${got}`);
        return;
      }
      if (got.wrapped) this.failures.push(`${label}: an allocated result claims to be wrapped`);
      this.allocated.push({ label, tensor: got, want: pending.want, tol: pending.tol });
      return;
    }
    const slot = this.slots.find((s) => s.label === label && s.role === 'result');
    if (!slot) {
      this.failures.push(`${label}: no out view was given for it`);
      return;
    }
    if (got !== slot.tensor)
      this.failures.push(`${label}: the op returned another tensor than its out view (${got?.wrapped ? 'wrapped' : 'not wrapped'}, offset ${got?.byteOffset})`);
  }
}

type Builder = (k: Kit) => void;

/** Window modes other than max and stochastic training: forward and backward names (engine and reference alike). */
const WINDOW: Record<string, { fwd: string; bwd: string; tol: Tolerance; data: DataKind }> = {
  avg: { fwd: 'avgPool', bwd: 'avgPoolBackward', tol: SUM, data: 'normal' },
  lp: { fwd: 'lpPool', bwd: 'lpPoolBackward', tol: LP, data: 'positive' },
  soft: { fwd: 'softPool', bwd: 'softPoolBackward', tol: SUM, data: 'normal' },
  mixed: { fwd: 'mixedPool', bwd: 'mixedPoolBackward', tol: SUM, data: 'normal' },
  stochasticEval: { fwd: 'stochasticPoolEval', bwd: 'stochasticPoolEvalBackward', tol: SUM, data: 'positive' },
};

const call = (k: Kit, op: string, ...args: unknown[]): any => (k.engine as unknown as Record<string, (...a: unknown[]) => any>)[op](...args);

/** A random input shaped like the case's. */
const inputOf = (k: Kit, kind: DataKind = 'normal') => k.data(k.c.shape, kind);

const BUILDERS: Record<string, Builder> = {};

for (const [, w] of Object.entries(WINDOW)) {
  BUILDERS[w.fwd] = (k) => {
    const x = inputOf(k, w.data);
    const want = k.ref[w.fwd](x, k.options);
    k.returned('output', call(k, w.fwd, k.input('x', x), k.options, k.out('output', want, w.tol)));
  };
  BUILDERS[w.bwd] = (k) => {
    const x = inputOf(k, w.data);
    const g = k.like(k.ref[w.fwd](x, k.options));
    const want = k.ref[w.bwd](g, x, k.options);
    k.returned('gradInput', call(k, w.bwd, k.input('gradOutput', g), k.input('x', x), k.options, k.out('gradInput', want, w.tol)));
  };
}

// Max-style forwards with indices: maxPool, stochasticPool (seeded), adaptiveMaxPool, fractionalMaxPool.
for (const op of ['maxPool', 'stochasticPool', 'adaptiveMaxPool', 'fractionalMaxPool']) {
  BUILDERS[op] = (k) => {
    const x = inputOf(k, op === 'stochasticPool' ? 'positive' : 'normal');
    const want = k.ref[op](x, k.options);
    const got = call(k, op, k.input('x', x), k.options, { output: k.out('output', want.output, EXACT), indices: k.out('indices', want.indices, EXACT) });
    k.returned('output', got.output);
    k.returned('indices', got.indices);
    if (op === 'fractionalMaxPool' && (got.samples as Float32Array).join() !== (want.samples as Float32Array).join())
      k.failures.push('samples: differ from the ones given');
  };
  BUILDERS[`${op}Backward`] = (k) => {
    const x = inputOf(k, op === 'stochasticPool' ? 'positive' : 'normal');
    const fwd = k.ref[op](x, k.options);
    const g = k.like(fwd.output);
    const want = k.ref[`${op}Backward`](g, x, fwd.indices, k.options);
    const got = call(
      k,
      `${op}Backward`,
      k.input('gradOutput', g),
      k.input('x', x),
      k.input('indices', fwd.indices),
      k.options,
      k.out('gradInput', want, SCATTER),
    );
    k.returned('gradInput', got);
  };
}

BUILDERS.adaptiveAvgPool = (k) => {
  const x = inputOf(k);
  const want = k.r.adaptiveAvgPool(x, k.options);
  k.returned('output', k.engine.adaptiveAvgPool(k.input('x', x), k.options, k.out('output', want, SUM)));
};
BUILDERS.adaptiveAvgPoolBackward = (k) => {
  const x = inputOf(k);
  const g = k.like(k.r.adaptiveAvgPool(x, k.options));
  const want = k.r.adaptiveAvgPoolBackward(g, x, k.options);
  k.returned('gradInput', k.engine.adaptiveAvgPoolBackward(k.input('gradOutput', g), k.input('x', x), k.options, k.out('gradInput', want, SUM)));
};

BUILDERS.globalAvgPool = (k) => {
  const x = inputOf(k);
  const want = k.r.globalAvgPool(x);
  k.returned('output', k.engine.globalAvgPool(k.input('x', x), k.out('output', want, SUM)));
};
BUILDERS.globalAvgPoolBackward = (k) => {
  const x = inputOf(k);
  const g = k.like(k.r.globalAvgPool(x));
  const want = k.r.globalAvgPoolBackward(g, x);
  k.returned('gradInput', k.engine.globalAvgPoolBackward(k.input('gradOutput', g), k.input('x', x), k.out('gradInput', want, SUM)));
};
BUILDERS.globalMaxPool = (k) => {
  const x = inputOf(k);
  const want = k.r.globalMaxPool(x);
  const got = k.engine.globalMaxPool(k.input('x', x), {}, { output: k.out('output', want.output, EXACT), indices: k.out('indices', want.indices, EXACT) });
  k.returned('output', got.output);
  k.returned('indices', got.indices);
};
BUILDERS.globalMaxPoolBackward = (k) => {
  const x = inputOf(k);
  const fwd = k.r.globalMaxPool(x);
  const g = k.like(fwd.output);
  const want = k.r.globalMaxPoolBackward(g, x, fwd.indices);
  k.returned(
    'gradInput',
    k.engine.globalMaxPoolBackward(k.input('gradOutput', g), k.input('x', x), k.input('indices', fwd.indices), k.out('gradInput', want, SCATTER)),
  );
};

BUILDERS.spatialPyramidPool = (k) => {
  const x = inputOf(k);
  const want = k.r.spatialPyramidPool(x, k.options);
  const max = (k.options.mode ?? 'max') === 'max';
  const out = max
    ? { output: k.out('output', want.output, EXACT), indices: k.out('indices', want.indices!, EXACT) }
    : { output: k.out('output', want.output, SUM) };
  const got = k.engine.spatialPyramidPool(k.input('x', x), k.options, out);
  k.returned('output', got.output);
  if (max) k.returned('indices', got.indices);
  else if (got.indices !== null) k.failures.push('indices: returned in mode avg');
};
BUILDERS.spatialPyramidPoolBackward = (k) => {
  const x = inputOf(k);
  const fwd = k.r.spatialPyramidPool(x, k.options);
  const g = k.like(fwd.output);
  const want = k.r.spatialPyramidPoolBackward(g, x, fwd.indices, k.options);
  const idx = fwd.indices ? k.input('indices', fwd.indices) : null;
  k.returned('gradInput', k.engine.spatialPyramidPoolBackward(k.input('gradOutput', g), k.input('x', x), idx, k.options, k.out('gradInput', want, SUM)));
};

BUILDERS.stripPool = (k) => {
  const x = inputOf(k);
  const want = k.r.stripPool(x);
  const got = k.engine.stripPool(k.input('x', x), { rows: k.out('rows', want.rows, SUM), cols: k.out('cols', want.cols, SUM) });
  k.returned('rows', got.rows);
  k.returned('cols', got.cols);
};
BUILDERS.stripPoolBackward = (k) => {
  const x = inputOf(k);
  const strips = k.r.stripPool(x);
  const gr = k.like(strips.rows);
  const gc = k.like(strips.cols);
  const want = k.r.stripPoolBackward({ rows: gr, cols: gc }, x);
  k.returned(
    'gradInput',
    k.engine.stripPoolBackward({ rows: k.input('gradRows', gr), cols: k.input('gradCols', gc) }, k.input('x', x), k.out('gradInput', want, SUM)),
  );
};
BUILDERS.stripPoolExpand = (k) => {
  // The case's shape is the expanded output's; the inputs are strips of that shape.
  const strips = k.r.stripPool(inputOf(k));
  const rows = k.like(strips.rows);
  const cols = k.like(strips.cols);
  const want = k.r.stripPoolExpand(rows, cols);
  k.returned('output', k.engine.stripPoolExpand(k.input('rows', rows), k.input('cols', cols), k.out('output', want, SUM)));
};
BUILDERS.stripPoolExpandBackward = (k) => {
  const g = inputOf(k);
  const want = k.r.stripPoolExpandBackward(g);
  const got = k.engine.stripPoolExpandBackward(k.input('gradOutput', g), { rows: k.out('rows', want.rows, SUM), cols: k.out('cols', want.cols, SUM) });
  k.returned('rows', got.rows);
  k.returned('cols', got.cols);
};

BUILDERS.gemPool = (k) => {
  const x = inputOf(k, 'positive');
  const want = k.r.gemPool(x, k.options);
  k.returned('output', k.engine.gemPool(k.input('x', x), k.options, k.out('output', want, GEM)));
};
BUILDERS.gemPoolBackward = (k) => {
  const x = inputOf(k, 'positive');
  const g = k.like(k.r.gemPool(x, k.options));
  const want = k.r.gemPoolBackward(g, x, k.options);
  const got = k.engine.gemPoolBackward(k.input('gradOutput', g), k.input('x', x), k.options, {
    gradInput: k.out('gradInput', want.gradInput, GEM),
    gradP: k.out('gradP', want.gradP, GEM_P),
  });
  k.returned('gradInput', got.gradInput);
  k.returned('gradP', got.gradP);
};

/** Max unpooling's inputs: the reference max pooling's values and indices of a random map shaped like the case. */
function pooled(k: Kit) {
  const x = inputOf(k);
  const { kernel, stride, padding } = k.options;
  return k.r.maxPool(x, { kernel, stride, padding });
}
BUILDERS.maxUnpool = (k) => {
  const m = pooled(k);
  const want = k.r.maxUnpool(m.output, m.indices, k.options);
  k.returned('output', k.engine.maxUnpool(k.input('values', m.output), k.input('indices', m.indices), k.options, k.out('output', want, EXACT)));
};
BUILDERS.maxUnpoolBackward = (k) => {
  const m = pooled(k);
  const g = k.like(k.r.maxUnpool(m.output, m.indices, k.options));
  const want = k.r.maxUnpoolBackward(g, m.output, m.indices, k.options);
  k.returned(
    'gradInput',
    k.engine.maxUnpoolBackward(
      k.input('gradOutput', g),
      k.input('values', m.output),
      k.input('indices', m.indices),
      k.options,
      k.out('gradInput', want, EXACT),
    ),
  );
};

// Region pooling: the boxes (host data) ride in the case's options as `rois`.
const ROI_TOL: Record<string, Tolerance> = { roiAlign: SUM, psRoiAlign: SUM, psRoiPool: SUM };
const roiCall = (k: Kit) => {
  const { rois, ...options } = k.options;
  return { rois, options };
};
for (const op of ['roiAlign', 'psRoiAlign', 'psRoiPool']) {
  BUILDERS[op] = (k) => {
    const { rois, options } = roiCall(k);
    const x = inputOf(k);
    const want = k.ref[op](x, rois, options);
    k.returned('output', call(k, op, k.input('x', x), rois, options, k.out('output', want, ROI_TOL[op])));
  };
  BUILDERS[`${op}Backward`] = (k) => {
    const { rois, options } = roiCall(k);
    const x = inputOf(k);
    const g = k.like(k.ref[op](x, rois, options));
    const want = k.ref[`${op}Backward`](g, x, rois, options);
    k.returned('gradInput', call(k, `${op}Backward`, k.input('gradOutput', g), k.input('x', x), rois, options, k.out('gradInput', want, ROI_TOL[op])));
  };
}
BUILDERS.roiPool = (k) => {
  const { rois, options } = roiCall(k);
  const x = inputOf(k);
  const want = k.r.roiPool(x, rois as never, options as never);
  const got = k.engine.roiPool(k.input('x', x), rois as never, options as never, {
    output: k.out('output', want.output, EXACT),
    indices: k.out('indices', want.indices, EXACT),
  });
  k.returned('output', got.output);
  k.returned('indices', got.indices);
};
BUILDERS.roiPoolBackward = (k) => {
  const { rois, options } = roiCall(k);
  const x = inputOf(k);
  const fwd = k.r.roiPool(x, rois as never, options as never);
  const g = k.like(fwd.output);
  const want = k.r.roiPoolBackward(g, x, rois as never, fwd.indices, options as never);
  k.returned(
    'gradInput',
    k.engine.roiPoolBackward(
      k.input('gradOutput', g),
      k.input('x', x),
      rois as never,
      k.input('indices', fwd.indices),
      options as never,
      k.out('gradInput', want, SCATTER),
    ),
  );
};

// Chains: the forward's results, written into out views, are the backward's inputs (run in a batch, say).
for (const op of ['maxPool', 'adaptiveMaxPool']) {
  BUILDERS[`${op}+${op}Backward`] = (k) => {
    const x = inputOf(k);
    const fwd = k.ref[op](x, k.options);
    const g = k.like(fwd.output);
    const want = k.ref[`${op}Backward`](g, x, fwd.indices, k.options);
    const X = k.input('x', x);
    const G = k.input('gradOutput', g);
    const got = call(k, op, X, k.options, { output: k.out('output', fwd.output, EXACT), indices: k.out('indices', fwd.indices, EXACT) });
    k.returned('output', got.output);
    k.returned('indices', got.indices);
    k.returned('gradInput', call(k, `${op}Backward`, G, X, got.indices, k.options, k.out('gradInput', want, SCATTER)));
  };
}

/** The options a builder sees: JSON-safe case options, with fractional samples made a Float32Array. */
function optionsOf(c: WrappedCase): Record<string, unknown> {
  const o = { ...(c.options ?? {}) };
  if (Array.isArray(o.samples)) o.samples = Float32Array.from(o.samples as number[]);
  return o;
}

/** Dims to report a mismatch of `host` with ('NC' features reported as n and w = feature). */
function reportDims(host: AnyHost): { dims: Dims; channelsLast: boolean } {
  const dims: Dims = host.dims.spatial.length ? host.dims : { batch: host.dims.batch, channels: 1, spatial: [host.dims.channels] };
  return { dims, channelsLast: layoutInfo(host.layout).channelsLast };
}

/** Reads whole buffers back: one encoder copying each to a MAP_READ buffer, one submit, then maps. */
async function readBuffers(device: GPUDevice, buffers: Placed[]): Promise<Uint32Array[]> {
  const encoder = device.createCommandEncoder({ label: 'wrapped-test.readback' });
  const staging = buffers.map((b) => {
    const s = device.createBuffer({ label: 'wrapped-test.staging', size: b.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(b.gpu, 0, s, 0, b.size);
    return s;
  });
  device.queue.submit([encoder.finish()]);
  const words = await Promise.all(
    staging.map(async (s) => {
      await s.mapAsync(GPUMapMode.READ);
      const copy = new Uint32Array(s.getMappedRange().slice(0));
      s.destroy();
      return copy;
    }),
  );
  return words;
}

export async function runWrappedCase(base: PoolEngine, c: WrappedCase): Promise<WrappedResult> {
  const engine = await engineFor(base, c.subgroups !== false);
  const build = BUILDERS[c.op];
  if (!build) throw new Error(`no builder for op ${c.op}`);
  const withOptions = { ...c, options: optionsOf(c) };
  const result: WrappedResult = { compared: 0, inputsChecked: 0, guardBytes: 0, views: 0, oddHalfViews: 0, failures: [] };
  const k = new Kit(engine, withOptions);
  const before = engine.stats();
  try {
    if (c.record === 'batch') engine.batch(() => build(k));
    else if (c.record === 'encode') {
      const encoder = engine.device.createCommandEncoder({ label: 'wrapped-test.encode' });
      engine.encode(encoder, () => build(k));
      engine.device.queue.submit([encoder.finish()]);
    } else build(k);
    const words = await readBuffers(engine.device, k.buffers);
    const allocated = await Promise.all(k.allocated.map((a) => a.tensor.read()));
    // (a) every view: results equal the reference, inputs are what was written.
    for (const s of k.slots) {
      const at = s.offset / 4;
      const raw = words[k.buffers.indexOf(s.buffer)].slice(at, at + roundUp(s.bytes, 4) / 4);
      const n = s.host.data.length;
      // float16: the view's halves decoded (the last word's other half, after an odd view, is a guard).
      const bits = s.half ? new Uint16Array(raw.buffer, 0, n) : null;
      const got = bits ? fromHalfBits(bits) : s.host.data instanceof Int32Array ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
      const { dims, channelsLast } = reportDims(s.host);
      if (s.role === 'result') {
        k.failures.push(...mismatches(s.label, got, s.host.data, s.tol, dims, channelsLast));
        result.compared += got.length;
      } else {
        // What was written: the values' half bits, or their 32-bit words.
        const wrote = bits ? toHalfBits(s.host.data) : new Uint32Array(s.host.data.buffer, s.host.data.byteOffset, n);
        const changed = (bits ?? raw.subarray(0, n)).findIndex((v, i) => v !== wrote[i]);
        if (changed >= 0) k.failures.push(`${s.label} (input): element ${changed} changed from ${s.host.data[changed]} to ${got[changed]}`);
        result.inputsChecked += got.length;
      }
      // tensor.read() of a wrapped view reads exactly the view's values (a float16 view: its halves, and readBits() their bits).
      const read = await s.tensor.read();
      if (bits) {
        const readWords = new Uint32Array(read.buffer, read.byteOffset, read.length);
        const gotWords = new Uint32Array(got.buffer, got.byteOffset, got.length);
        if (readWords.length !== n || readWords.some((w, i) => w !== gotWords[i]))
          k.failures.push(`${s.label}: tensor.read() differs from the halves of the view in the buffer`);
        const readBits = await (s.tensor as unknown as PoolTensor<'float16'>).readBits();
        if (readBits.length !== n || readBits.some((h, i) => h !== bits[i]))
          k.failures.push(`${s.label}: tensor.readBits() differs from the view's halves in the buffer`);
        if (n % 2 === 1) result.oddHalfViews++;
      } else {
        const readWords = new Uint32Array(read.buffer, read.byteOffset, read.length);
        if (readWords.length !== raw.length || readWords.some((w, i) => w !== raw[i]))
          k.failures.push(`${s.label}: tensor.read() differs from the view's bytes in the buffer`);
      }
      result.views++;
    }
    for (let i = 0; i < k.allocated.length; i++) {
      const a = k.allocated[i];
      const { dims, channelsLast } = reportDims(a.want);
      if (a.tensor.shape.join() !== a.want.shape.join() || a.tensor.layout !== a.want.layout || a.tensor.dtype !== k.dtypeOf(a.want)) {
        k.failures.push(
          `${a.label}: allocated ${a.tensor.dtype} ${a.tensor.layout} [${a.tensor.shape}], want ${k.dtypeOf(a.want)} ${a.want.layout} [${a.want.shape}]`,
        );
        continue;
      }
      k.failures.push(...mismatches(a.label, allocated[i], a.want.data, a.tol, dims, channelsLast));
      result.compared += allocated[i].length;
    }
    // (b) every byte outside the views keeps its guard pattern, checked by halves: a float16 view of odd
    // length ends mid-word, and the half after it in that word is a guard too.
    k.buffers.forEach((b, bi) => {
      const halves = new Uint16Array(words[bi].buffer, words[bi].byteOffset, words[bi].length * 2);
      const guard = [b.guard & 0xffff, b.guard >>> 16];
      const mine = k.slots.filter((s) => s.buffer === b);
      const inView = new Uint8Array(halves.length);
      for (const s of mine) inView.fill(1, s.offset / 2, (s.offset + s.bytes) / 2);
      let bad = 0;
      let first = -1;
      for (let i = 0; i < halves.length; i++) {
        if (inView[i]) continue;
        result.guardBytes += 2;
        if (halves[i] !== guard[i & 1]) {
          bad++;
          if (first < 0) first = i;
        }
      }
      if (bad) {
        const owner = mine.map((s) => `${s.label}@${s.offset}+${s.bytes}`).join(', ');
        const tail = mine.find((s) => s.offset + s.bytes === first * 2 && s.bytes % 4 === 2);
        const what = k.half
          ? `half 0x${halves[first].toString(16)} = ${halfValue(halves[first])}, want 0x${guard[first & 1].toString(16)}`
          : `word 0x${words[bi][first >> 1].toString(16)} = ${new Float32Array(words[bi].buffer, (first >> 1) * 4, 1)[0]}`;
        k.failures.push(
          `guard bytes of buffer [${owner}] (size ${b.size}): ${bad} halves overwritten, first at byte ${first * 2}` +
            `${tail ? ` (the half after ${tail.label}, in its last word)` : ''} (${what})`,
        );
      }
    });
  } finally {
    for (const s of k.slots) s.tensor.destroy();
    for (const a of k.allocated) a.tensor.destroy();
    for (const b of k.buffers) b.gpu.destroy();
  }
  // Nothing of the engine's outlives the call (staged copies, samples) but what it allocated and we destroyed.
  const after = engine.stats();
  if (after.buffers !== before.buffers || after.bytes !== before.bytes) {
    k.failures.push(`engine buffers in use: ${before.buffers} (${before.bytes} bytes) before, ${after.buffers} (${after.bytes} bytes) after`);
  }
  result.failures = k.failures;
  return result;
}
