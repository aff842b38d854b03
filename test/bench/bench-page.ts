// The benchmark in the page: one device for our engine and TF.js's WebGPU backend.
import { createPoolEngine } from '../../src/index';
import { runSuite, type RunOptions } from './suite';
import { tfOnDevice } from '../../examples/demo/tf-on-device';
import { freshDevices } from './integration';

async function start() {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const requiredLimits = {
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
  const device = await adapter.requestDevice({ label: 'bench.device', requiredLimits });
  // A GPU error voids a row's timing (the failed commands do nothing): logged, and listed in the report.
  const gpuErrors: string[] = [];
  device.addEventListener('uncapturederror', (e) => {
    const message = (e as GPUUncapturedErrorEvent).error.message;
    gpuErrors.push(message);
    console.log(`bench: GPU error: ${message}`);
  });
  const freshDevice = freshDevices(navigator.gpu, adapter, requiredLimits);
  const defaultLimits = freshDevices(navigator.gpu, adapter, {});
  const defaultLimitsDevice = async () => (await defaultLimits()).device;
  const engine = await createPoolEngine({ device });
  const tf = await tfOnDevice(device, adapter.info);
  const i = adapter.info;
  const description = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.replace(/\s+/g, ' ').trim() + ` — ${navigator.userAgent}`;
  (window as any).bench = {
    tf,
    engine,
    run: async (options: RunOptions & { parallelism?: number }) => {
      // An engine of its own where the run sets the parallelism option.
      const ours = options.parallelism === undefined ? engine : await createPoolEngine({ device, parallelism: options.parallelism });
      const report = await runSuite(ours, tf, description, { ...options, freshDevice, defaultLimitsDevice, log: (l: string) => console.log(`bench: ${l}`) });
      // Once per message, with its count: a failing row repeats its error on every sample.
      const counts = new Map<string, number>();
      for (const m of gpuErrors.splice(0)) counts.set(m, (counts.get(m) ?? 0) + 1);
      for (const [m, n] of counts) report.skipped.push(`GPU error, ${n} times (the timings around it are void): ${m}`);
      return report;
    },
  };
}

start().then(
  () => ((window as any).harnessReady = true),
  (e) => ((window as any).harnessReady = String(e?.stack ?? e)),
);
