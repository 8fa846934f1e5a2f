/**
 * Redis's number rules for string values: INCR's 64-bit integers (no
 * leading zeros, no '+', no spaces), INCRBYFLOAT's floats, and how results
 * are written back.
 */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The value as a 64-bit integer, or null when Redis would refuse it. */
export function parseInt64(text: string): bigint | null {
  if (text.length === 0 || text.length > 20 || !/^(0|-?[1-9]\d*)$/.test(text)) return null;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

export function inInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/** A float as INCRBYFLOAT accepts it (no spaces, not NaN or infinite), or null. */
export function parseFloatStrict(text: string): number | null {
  if (text.length === 0 || /\s/.test(text) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * A float as Redis writes INCRBYFLOAT's result: up to 17 significant digits
 * without trailing zeros. raftkv computes in 64-bit doubles where Redis uses
 * long doubles, so the last digits can differ (0.1 + 0.2 gives
 * 0.30000000000000004 here, 0.3 in Redis).
 */
export function formatFloat(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e17) return value.toFixed(0);
  return String(Number(value.toPrecision(17)));
}

/** An integer reply: a JS number when it is exact, else the bigint. */
export function intValue(value: bigint): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}
