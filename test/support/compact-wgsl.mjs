// A Vite plugin that ships WGSL without its comments: `?raw` imports of shaders/*.wgsl
// lose their comment-only lines (but not the `// @include`, `// @requires` and
// `// @enable` headers the kernel registry reads) and their blank lines. A third of
// the WGSL's bytes are comments, and every page downloads the kernels it uses. The
// library build (vite.config.ts), the tests' dev servers and vitest all use it, so
// the kernels tested are the kernels shipped.
import { readFile } from 'node:fs/promises';

/** WGSL without comment-only lines (headers kept) and blank lines; indentation stays (test/support/wgsl-names.ts reads top level by it). */
export function compactWgsl(source) {
  return source
    .split('\n')
    .filter((line) => !/^\s*\/\/(?! @(include|requires|enable) )/.test(line) && line.trim() !== '')
    .join('\n');
}

export function compactWgslPlugin() {
  return {
    name: 'compact-wgsl',
    enforce: 'pre',
    async load(id) {
      const [path, query] = id.split('?');
      if (!path.endsWith('.wgsl') || query !== 'raw') return null;
      return `export default ${JSON.stringify(compactWgsl(await readFile(path, 'utf8')))};`;
    },
  };
}
