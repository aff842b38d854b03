// Case names double as test names: `npx vitest run -t "<case name>"` runs that
// case and nothing else. -t is a regular expression matched anywhere in a test's
// full name (its describe titles and its own, joined by spaces), so a case name
// holds no regular-expression syntax other than '.' (which matches itself), no
// quotes or shell specials, and is no part of another test's name.

/** An option value as text: numbers and strings as they are, lists as 3,2, lists of pairs as 1,0;0,1. */
export function valueText(v: unknown): string {
  if (Array.isArray(v)) return v.map((e) => (Array.isArray(e) ? e.map(valueText).join(',') : valueText(e))).join(v.some(Array.isArray) ? ';' : ',');
  return String(v);
}

/** A shape as 2x3x9x7. */
export const shapeText = (shape: readonly number[]): string => shape.join('x');

/** Options as `kernel=3,2 stride=2 padding=same`, leaving out undefined ones. */
export function optionsText(options: Record<string, unknown>): string {
  return Object.entries(options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${valueText(v)}`)
    .join(' ');
}

/** Characters that -t would read as regular-expression syntax, or a shell as its own, inside double quotes. */
const UNSAFE = /[\\^$*+?()[\]{}|"'`!]/;

/** The part of a vitest task this needs: a test or suite, its parent suite, its children. */
export interface TaskLike {
  name: string;
  type: string;
  suite?: TaskLike;
  tasks?: TaskLike[];
}

/** A test's full name, as -t sees it. */
function fullName(t: TaskLike): string {
  return t.suite ? `${fullName(t.suite)} ${t.name}` : t.name;
}

function testsOf(t: TaskLike, out: TaskLike[] = []): TaskLike[] {
  if (t.type === 'test') out.push(t);
  for (const c of t.tasks ?? []) testsOf(c, out);
  return out;
}

/**
 * Case names that `-t "<name>"` would not select alone among the tests of `file`
 * (a test context's `task.file`), each with the reason; empty when every name
 * is unique, safe, and selects exactly its own test.
 */
export function unaddressable(file: TaskLike, names: readonly string[]): string[] {
  const tests = testsOf(file).map((t) => ({ name: t.name, full: fullName(t) }));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) problems.push(`${name}: named twice`);
    seen.add(name);
    if (UNSAFE.test(name)) {
      problems.push(`${name}: holds characters that -t reads as a regular expression`);
      continue;
    }
    // Without a '.', the pattern matches exactly where the text occurs.
    const pattern = new RegExp(name);
    const hits = tests.filter((t) => (name.includes('.') ? pattern.test(t.full) : t.full.includes(name)));
    if (hits.length === 1 && hits[0].name === name) continue;
    const some = hits.slice(0, 3).map((t) => t.name);
    problems.push(`${name}: -t selects ${hits.length} tests${hits.length ? ` (${some.join(' | ')})` : ''}`);
  }
  return problems;
}
