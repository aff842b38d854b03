// node test/bench/build-node-bundle.mjs OUTDIR
// Bundles the Node bench (engine, suite, TF.js) into OUTDIR/node-modules.mjs; `webgpu`
// (Dawn's native addon) stays external. run.mjs uses it when BENCH_BUNDLE names it.
import { build } from 'vite';
import { fileURLToPath } from 'node:url';
import { compactWgslPlugin } from '../support/compact-wgsl.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = process.argv[2] ?? 'dist-bench';
await build({
  root,
  configFile: false,
  logLevel: 'warn',
  plugins: [compactWgslPlugin()],
  ssr: { noExternal: true, external: ['webgpu'] },
  build: {
    ssr: 'test/bench/node-modules.ts',
    outDir,
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: { output: { format: 'es', entryFileNames: 'node-modules.mjs', codeSplitting: false } },
  },
});
console.log(`bundled the Node bench into ${outDir}/node-modules.mjs`);
