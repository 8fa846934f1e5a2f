/**
 * Assertions catch programmer errors and crash loudly; operating errors that a
 * user or client can cause are coded values instead (see errors.ts files).
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Ends every exhaustive switch: adding a union member without handling it fails to compile. */
export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
