// The set-up module that judges webgpu-pool/tfjs by TF.js's own tests: installs
// the plugin through the jasmine page's beforeTfjsSpecs hook, and lets the page
// count the engine's kernel calls per spec (window.tfjsKernelCounts).
import { installTfjsKernels, type TfjsPlugin, type TfLike } from '../../src/tfjs/index';

const win = window as unknown as {
  beforeTfjsSpecs?: (tf: unknown) => unknown;
  tfjsKernelCounts?: () => Record<string, number>;
  tfjsPlugin?: TfjsPlugin;
};

win.beforeTfjsSpecs = (tf) => {
  const plugin = installTfjsKernels(tf as TfLike);
  win.tfjsPlugin = plugin;
  // Per kernel: `MaxPool` ran on the engine, `MaxPool (fallback)` went to TF.js's kernel.
  win.tfjsKernelCounts = () => ({
    ...plugin.counts.engine,
    ...Object.fromEntries(Object.entries(plugin.counts.fallback).map(([k, n]) => [`${k} (fallback)`, n])),
  });
};
