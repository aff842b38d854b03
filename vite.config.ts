import { defineConfig, type Plugin } from 'vitest/config';
import { compactWgslPlugin } from './test/support/compact-wgsl.mjs';

/** The project's page lives in examples/; `npm start` serves it at the root URL. */
function rootToExamples(): Plugin {
  return {
    name: 'root-to-examples',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url === '/' || req.url === '/index.html') {
          res.statusCode = 302;
          res.setHeader('Location', '/examples/');
          res.end();
          return;
        }
        next();
      });
    },
  };
}

export default defineConfig(({ mode, command }) => ({
  plugins: [rootToExamples(), compactWgslPlugin()],
  base: command === 'build' && mode !== 'lib' ? './' : '/',
  // `vite build --mode lib` (npm run build:lib): the library as ES modules in dist/,
  // WGSL inlined (the ?raw imports become strings), no dependencies. Two entries:
  // dist/index.js (everything), dist/reference.js (webgpu-pool/reference, the CPU
  // reference without any WGSL), dist/onnx.js (webgpu-pool/onnx, ONNX's operators
  // on an engine the caller made) and dist/tfjs.js (webgpu-pool/tfjs, the TF.js
  // plugin, which imports no TF.js); the code they share is one shared chunk in
  // dist/chunks/, so PoolError is one class whichever entry threw it.
  build:
    mode === 'lib'
      ? {
          outDir: 'dist',
          emptyOutDir: true,
          sourcemap: true,
          target: 'es2022',
          lib: {
            entry: { index: 'src/index.ts', reference: 'src/reference/index.ts', onnx: 'src/onnx/index.ts', tfjs: 'src/tfjs/index.ts' },
            formats: ['es' as const],
            fileName: (_format: string, entry: string) => `${entry}.js`,
          },
          rollupOptions: { output: { chunkFileNames: 'chunks/[name]-[hash].js' } },
        }
      : {
          // `npm run build`: the demo and the CNN example as a static site in dist-demo/,
          // with relative URLs so it works from any static server and any path.
          outDir: 'dist-demo',
          emptyOutDir: true,
          rollupOptions: { input: { demo: 'examples/index.html', cnn: 'examples/cnn/index.html' } },
        },
  server: { host: '127.0.0.1' },
  // The demo loads TF.js (CommonJS inside) only when its timing table asks: prebundled up
  // front, so `npm start` does not discover it late and reload the page.
  optimizeDeps: { include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'] },
  test: {
    include: ['test/**/*.test.ts'],
    // Browser suites each start Chromium and run GPU work that is slow on a software
    // adapter; files run one at a time so the 2-core machine is not oversubscribed.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
}));
