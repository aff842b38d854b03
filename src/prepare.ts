// engine.prepare: the pipelines a list of calls will use, compiled ahead with
// createComputePipelineAsync. Each call runs once on a planning context, where
// tensors have no memory and dispatches are only noted, so the kernel choice is
// exactly the one the real call makes.
import { PoolError } from './errors';
import { GpuContext, isHalf, launchKernel, type Dispatch, type SliceCopy } from './engine';
import { BufferUsage } from './gpu-constants';
import { checkTensorShape, type Layout } from './layout';
import { pipelineKey, preparePipeline, type OverrideConstants } from './pipelines';
import type { ShaderName } from './shaders';
import { isFloatDType, type FloatDType, type FloatTensor, type PoolTensor } from './tensor';

/** A call to prepare for: an engine op's name, its input's shape and layout, and its options. */
export interface PrepareCall {
  /** Any op of the engine, forward or backward (`'maxPool'`, `'avgPoolBackward'`, …); a backward prepares its forward too. */
  op: string;
  /** The (first) input's shape, in `layout`'s order: the values of `maxUnpool`, the map of `stripPoolExpand`. */
  shape: readonly number[];
  layout?: Layout;
  options?: unknown;
  /** The call's float dtype: 'float32' (default) or 'float16'. */
  dtype?: FloatDType;
}

/** The engine as prepare drives it: every op by name (src/pool-engine.ts). */
type Ops = Record<string, (...args: unknown[]) => any>;

type Tensor = FloatTensor;

/** How each op is called from one input `x`, running the forward first where the backward needs its results. */
const CALLS: Record<string, (e: Ops, x: Tensor, o: unknown, int32: () => PoolTensor<'int32'>) => void> = {};
for (const mode of ['avg', 'lp', 'soft', 'mixed', 'stochasticEval']) {
  const forward = mode === 'stochasticEval' ? 'stochasticPoolEval' : `${mode}Pool`;
  CALLS[forward] = (e, x, o) => e[forward](x, o);
  CALLS[`${forward}Backward`] = (e, x, o) => e[`${forward}Backward`](e[forward](x, o), x, o);
}
for (const forward of ['maxPool', 'stochasticPool', 'adaptiveMaxPool', 'spatialPyramidPool']) {
  CALLS[forward] = (e, x, o) => e[forward](x, o);
  CALLS[`${forward}Backward`] = (e, x, o) => {
    const f = e[forward](x, o);
    e[`${forward}Backward`](f.output, x, f.indices, o);
  };
}
Object.assign(CALLS, {
  adaptiveAvgPool: (e, x, o) => e.adaptiveAvgPool(x, o),
  adaptiveAvgPoolBackward: (e, x, o) => e.adaptiveAvgPoolBackward(e.adaptiveAvgPool(x, o), x, o),
  globalAvgPool: (e, x) => e.globalAvgPool(x),
  globalAvgPoolBackward: (e, x) => e.globalAvgPoolBackward(e.globalAvgPool(x), x),
  globalMaxPool: (e, x, o) => e.globalMaxPool(x, o),
  globalMaxPoolBackward: (e, x) => {
    const f = e.globalMaxPool(x);
    e.globalMaxPoolBackward(f.output, x, f.indices);
  },
  gemPool: (e, x, o) => e.gemPool(x, o),
  gemPoolBackward: (e, x, o) => e.gemPoolBackward(e.gemPool(x, o), x, o),
  stripPool: (e, x) => e.stripPool(x),
  stripPoolBackward: (e, x) => {
    const s = e.stripPool(x);
    e.stripPoolBackward(s, x);
  },
  stripPoolExpand: (e, x) => {
    const s = e.stripPool(x);
    e.stripPoolExpand(s.rows, s.cols);
  },
  stripPoolExpandBackward: (e, x) => e.stripPoolExpandBackward(x),
  maxUnpool: (e, x, o, int32) => e.maxUnpool(x, int32(), o),
  maxUnpoolBackward: (e, x, o, int32) => {
    const indices = int32();
    e.maxUnpoolBackward(e.maxUnpool(x, indices, o), x, indices, o);
  },
  fractionalMaxPool: (e, x, o) => e.fractionalMaxPool(x, o),
  fractionalMaxPoolBackward: (e, x, o) => {
    const f = e.fractionalMaxPool(x, o);
    e.fractionalMaxPoolBackward(f.output, x, f.indices, { ...(o as object), samples: f.samples });
  },
} satisfies Record<string, (e: Ops, x: Tensor, o: unknown, int32: () => PoolTensor<'int32'>) => void>);

// Region ops: their kernels depend on the op and the layout, never on the boxes, so a
// call prepares with one box over the map's first cell.
const ONE_BOX = { data: [0, 0, 0, 1, 1], shape: [1, 5] };
for (const forward of ['roiAlign', 'psRoiAlign', 'psRoiPool']) {
  CALLS[forward] = (e, x, o) => e[forward](x, ONE_BOX, o);
  CALLS[`${forward}Backward`] = (e, x, o) => e[`${forward}Backward`](e[forward](x, ONE_BOX, o), x, ONE_BOX, o);
}
CALLS.roiPool = (e, x, o) => e.roiPool(x, ONE_BOX, o);
CALLS.roiPoolBackward = (e, x, o) => {
  const f = e.roiPool(x, ONE_BOX, o);
  e.roiPoolBackward(f.output, x, ONE_BOX, f.indices, o);
};

/** The ops `prepare` takes. */
export const PREPARABLE_OPS: readonly string[] = Object.keys(CALLS);

/** A context whose tensors share one small buffer and whose dispatches are only noted. */
class PlanningContext extends GpuContext {
  readonly planned = new Map<string, { shader: ShaderName; constants: OverrideConstants }>();
  readonly #memory: GPUBuffer;

  constructor(real: GpuContext) {
    super(real.device, `${real.label}.prepare`, real.subgroups, real.parallelism);
    this.#memory = real.device.createBuffer({ label: `${real.label}.prepare`, size: 16, usage: BufferUsage.STORAGE });
  }

  #note(shader: ShaderName, constants: OverrideConstants): void {
    this.planned.set(pipelineKey(shader, constants), { shader, constants });
  }

  override run(d: Dispatch): void {
    const shader = launchKernel(d);
    // A float16 target is cleared by the half conversion kernel, or, where it is staged, in its float32 words.
    for (const target of d.clear ?? []) {
      if (isHalf(target) && shader !== d.shader) this.#note('halfConvert', { PACK: 1, ZERO: 1 });
      else this.#note('copyWords', { ZERO: 1 });
    }
    this.#note(shader, d.constants);
    // A float16 tensor bound to a kernel without a float16 variant is staged (engine.ts).
    if (shader === d.shader && Object.values(d.bindings).some(isHalf)) {
      this.#note('halfConvert', { PACK: 0, ZERO: 0 });
      this.#note('halfConvert', { PACK: 1, ZERO: 0 });
    }
  }

  /** A chunked call's gathers and scatters (src/chunked-call.ts). */
  override copySlice(_from: GPUBufferBinding, _to: GPUBufferBinding, s: SliceCopy): void {
    this.#note('sliceCopy', { HALVES: s.halves ? 1 : 0, ADD: s.add ? 1 : 0 });
    // Where the pieces are whole vec4s (engine.ts copySlice), its vec4 form.
    if (!s.halves && !s.add) this.#note('sliceCopyVec4', {});
  }

  override get planning(): boolean {
    return true;
  }

  override createBuffer(): GPUBuffer {
    return this.#memory;
  }

  override releaseBuffer(): void {}

  override destroy(): void {
    this.#memory.destroy();
    super.destroy();
  }
}

/**
 * Runs each call on a planning context and compiles, asynchronously, every
 * pipeline they use that the device does not have yet (plus the engine's copy
 * and probe kernels, which staging, clears and `wrap` use). Resolves to the
 * number of pipelines compiled.
 */
export async function prepareCalls(real: GpuContext, calls: readonly PrepareCall[], engineOn: (ctx: GpuContext) => Ops): Promise<number> {
  if (!Array.isArray(calls)) throw new PoolError('INVALID_OPTION', 'calls', calls, 'must be a list of { op, shape, layout?, options? }');
  const plan = new PlanningContext(real);
  try {
    const engine = engineOn(plan);
    calls.forEach((call, i) => {
      const run = call && typeof call === 'object' ? CALLS[call.op] : undefined;
      if (!run) throw new PoolError('INVALID_OPTION', `calls[${i}].op`, call?.op, `must be an engine op (${PREPARABLE_OPS.join(', ')})`);
      const layout = checkTensorShape(call.shape, call.layout);
      const dtype = call.dtype ?? 'float32';
      if (!isFloatDType(dtype)) throw new PoolError('INVALID_OPTION', `calls[${i}].dtype`, dtype, "must be 'float32' or 'float16'");
      const x = plan.emptyWhole(call.shape, layout, dtype, 'prepare');
      run(engine, x, call.options, () => plan.emptyWhole(call.shape, layout, 'int32', 'prepare'));
    });
  } finally {
    plan.destroy();
  }
  const wanted = [
    ...plan.planned.values(),
    { shader: 'copyWords' as const, constants: { ZERO: 0 } },
    { shader: 'copyWords' as const, constants: { ZERO: 1 } },
    { shader: 'probe' as const, constants: {} },
  ];
  const made = await Promise.all(wanted.map((p) => preparePipeline(real.device, p.shader, p.constants)));
  return made.filter(Boolean).length;
}
