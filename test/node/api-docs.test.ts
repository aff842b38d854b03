// docs/API.md must cover every export, every engine method and every reference
// function: a new export fails here until it is documented.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index';

const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
const documented = (name: string) => doc.includes(`\`${name}\``) || doc.includes(`\`${name}(`);

describe('docs/API.md', () => {
  it('documents every export of the package', () => {
    const missing = Object.keys(lib).filter((name) => !documented(name));
    expect(missing, `add these exports to docs/API.md: ${missing.join(', ')}`).toEqual([]);
  });

  it('documents every engine method and property', () => {
    const names = Object.getOwnPropertyNames(lib.PoolEngine.prototype).filter((n) => n !== 'constructor');
    const missing = names.filter((name) => !documented(name));
    expect(names.length).toBeGreaterThan(30);
    expect(missing, `add these PoolEngine members to docs/API.md: ${missing.join(', ')}`).toEqual([]);
  });

  it('documents every reference function', () => {
    const missing = Object.keys(lib.reference).filter((name) => !documented(name));
    expect(missing, `add these reference functions to docs/API.md: ${missing.join(', ')}`).toEqual([]);
  });
});
