// The one way a test page runs GPU work: inside validation, out-of-memory and
// internal error scopes, so any GPU error fails the test that caused it.
const SCOPES: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

/** Runs `fn` inside the three error scopes; throws on any GPU error (after `fn`'s own error, if both). */
export async function withErrorScope<T>(device: GPUDevice, fn: () => Promise<T>): Promise<T> {
  for (const s of SCOPES) device.pushErrorScope(s);
  let result: T;
  let thrown: unknown = null;
  try {
    result = await fn();
  } catch (e) {
    thrown = e;
  }
  const errors: string[] = [];
  for (const s of [...SCOPES].reverse()) {
    const e = await device.popErrorScope();
    if (e) errors.push(`${s} error: ${e.message}`);
  }
  if (errors.length) throw new Error(`GPU errors: ${errors.join('; ')}`);
  if (thrown) throw thrown;
  return result!;
}
