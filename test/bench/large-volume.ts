// The large-volume row (issue 25): 3-D max pooling of a 1×40×64×128×128 float32
// volume (160 MiB) on a device with the default limits (128 MiB per binding), which
// the engine pools in chunks (src/chunked-call.ts), beside the same call on the
// bench's device, whose limits hold the volume in one binding.
import { createPoolEngine } from '../../src/index';
import type { PoolEngine } from '../../src/index';
import type { Layout } from '../../src/layout';
import { randomData } from '../support/random';
import type { IntegrationEntry, IntegrationRow } from './integration';

const SHAPE = { NCDHW: [1, 40, 64, 128, 128], NDHWC: [1, 64, 128, 128, 40] } as const;

export function largeVolumeEntry(): IntegrationEntry {
  const id = 'large volume: 3-D max 2x2x2 s2 1x40x64x128x128 (160 MiB)';
  return {
    id,
    op: 'integration',
    async run(ctx) {
      if (!ctx.defaultLimitsDevice) throw new Error('this runner gives no default-limits device');
      const device = await ctx.defaultLimitsDevice();
      const small = await createPoolEngine({ device });
      const rows: IntegrationRow[] = [];
      const options = { kernel: 2 };
      try {
        for (const layout of ['NCDHW', 'NDHWC'] as Layout[]) {
          const shape: number[] = [...SHAPE[layout as keyof typeof SHAPE]];
          const size = shape.reduce((a, b) => a * b, 1);
          const data = randomData(size, 25);
          const outputs: Float32Array[] = [];
          const times: number[] = [];
          for (const engine of [ctx.engine, small] as PoolEngine[]) {
            const x = engine.tensor(data, shape, layout);
            try {
              const sync = () => engine.device.queue.onSubmittedWorkDone();
              const first = engine.maxPool(x, options);
              outputs.push(await first.output.read());
              first.output.destroy();
              first.indices.destroy();
              times.push(
                await ctx.timeGpu(
                  () => {
                    const r = engine.maxPool(x, options);
                    return [r.output, r.indices];
                  },
                  sync,
                  ctx.samples,
                  ctx.targetMs,
                ),
              );
            } finally {
              x.destroy();
            }
          }
          const same = outputs[0].length === outputs[1].length && outputs[0].every((v, i) => v === outputs[1][i]);
          const check = same ? 'outputs equal' : 'outputs DIFFER';
          const bytes = 4 * (size + (2 * size) / 8);
          const [one, chunked] = times;
          const chunks = layout === 'NCDHW' ? '2 chunks of channels, views' : '2 chunks of channels, gathered (channels-last)';
          ctx.log(`${id} ${layout}: one binding ${one.toFixed(2)} ms, default limits ${chunked.toFixed(2)} ms; ${check}`);
          rows.push(
            {
              id,
              layout,
              variant: 'one binding',
              ms: one,
              speedup: null,
              speedupOf: '',
              bytes,
              gbps: bytes / (one * 1e6),
              copyGBps: null,
              ofCopy: null,
              samples: [],
              note: `the bench's device (its adapter's limits); input + output + indices; ${check}`,
            },
            {
              id,
              layout,
              variant: 'default limits',
              ms: chunked,
              speedup: one / chunked,
              speedupOf: 'one binding',
              bytes,
              gbps: bytes / (chunked * 1e6),
              copyGBps: null,
              ofCopy: null,
              samples: [],
              note: `128 MiB bindings: ${chunks}; ${check}`,
            },
          );
        }
      } finally {
        small.destroy();
        device.destroy();
      }
      return rows;
    },
  };
}
