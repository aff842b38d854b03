// The set-up module that judges webgpu-pool/tfjs by TF.js's own tests: installs
// the plugin through the jasmine page's beforeTfjsSpecs hook, and lets the page
// count the engine's kernel calls per spec (window.tfjsKernelCounts).
import { installTfjsKernels, type TfjsPlugin, type TfLike } from '../../src/tfjs/index';

const win = window as unknown as {
  beforeTfjsSpecs?: (tf: unknown) => unknown;
  tfjsKernelCounts?: () => { engine: number; fallback: number };
  tfjsPlugin?: TfjsPlugin;
};

win.beforeTfjsSpecs = (tf) => {
  const plugin = installTfjsKernels(tf as TfLike);
  win.tfjsPlugin = plugin;
  const total = (table: Record<string, number>) => Object.values(table).reduce((a, b) => a + b, 0);
  win.tfjsKernelCounts = () => ({ engine: total(plugin.counts.engine), fallback: total(plugin.counts.fallback) });
};
