// Run by `npm run build:lib` after tsc has written dist/types/. tsc copies the
// sources' relative specifiers ('./layout', './reference/index') into the .d.ts
// files as they are, and under `moduleResolution: node16/nodenext` a consumer's
// compiler refuses those (TS2834: relative imports need an extension). This
// rewrites each one to the file it names, with the extension a published ES
// module is imported by: './layout.js', or './reference/index.js' for a folder,
// which every resolution mode (node16, nodenext, bundler) resolves to the .d.ts
// beside it. A specifier that names no emitted file, a declaration that references
// vite's types, or a GPU type reachable from webgpu-pool/reference's declarations
// (a reference-only user needs no WebGPU types) fails the build.
//
// No `/// <reference types="@webgpu/types" />` is added: TypeScript 7's DOM lib
// declares WebGPU itself, and with skipLibCheck off that directive fails a DOM
// consumer either way (TS2688 when @webgpu/types is not installed, duplicate
// declarations against lib.dom when it is). WebGPU's types come from the DOM (or
// WebWorker) lib, or from @webgpu/types, the optional peer dependency, listed in
// the consumer's `types`.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)), process.argv[2] ?? 'dist/types');

function declarationFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return declarationFiles(path);
    return name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The specifier a consumer's compiler resolves in every mode, and the .d.ts it lands on. */
function rewrite(file, specifier) {
  if (!/^\.\.?(\/|$)/.test(specifier) || /\.(m|c)?js$/.test(specifier)) return undefined;
  const base = resolve(dirname(file), specifier);
  if (existsSync(`${base}.d.ts`)) return { specifier: `${specifier}.js`, target: `${base}.d.ts` };
  if (existsSync(join(base, 'index.d.ts'))) return { specifier: `${specifier.replace(/\/$/, '')}/index.js`, target: join(base, 'index.d.ts') };
  throw new Error(`${relative(root, file)}: '${specifier}' names no emitted declaration file`);
}

// `from '…'`, `import '…'`, `import('…')` and `import("…")`.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\2/g;

const files = declarationFiles(root);
if (!files.some((f) => relative(root, f) === 'index.d.ts')) throw new Error(`no index.d.ts under ${root}: run tsc -p tsconfig.build.json first`);
/** Each file's relative imports (resolved targets), for the closure of each entry. */
const imports = new Map();
let rewritten = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  if (/vite\/client|from\s*['"]vite['"]|types=["']vite/.test(text)) throw new Error(`${relative(root, file)} references vite's types`);
  const targets = [];
  const out = text.replace(SPECIFIER, (whole, lead, quote, specifier) => {
    const fixed = rewrite(file, specifier);
    if (!fixed) {
      const already = /^\.\.?\//.test(specifier) ? resolve(dirname(file), specifier.replace(/\.(m|c)?js$/, '.d.ts')) : undefined;
      if (already) targets.push(already);
      return whole;
    }
    targets.push(fixed.target);
    rewritten++;
    return `${lead}${quote}${fixed.specifier}${quote}`;
  });
  imports.set(file, targets);
  if (out !== text) writeFileSync(file, out);
}

/** Whether any declaration an entry reaches names a WebGPU type. */
function usesWebGPU(entry) {
  const seen = new Set();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (/\bGPU[A-Z]\w*/.test(readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) return true;
    todo.push(...(imports.get(file) ?? []));
  }
  return false;
}

const reference = join(root, 'reference', 'index.d.ts');
if (!existsSync(reference)) throw new Error('missing reference/index.d.ts (the webgpu-pool/reference entry)');
if (usesWebGPU(reference)) throw new Error("webgpu-pool/reference's declarations reach a WebGPU type");
console.log(`fix-dts-extensions: ${rewritten} relative specifiers in ${files.length} files`);
