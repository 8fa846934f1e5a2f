/**
 * Structural equality of two bus events as replay compares them: byte arrays
 * by content (a recorded Buffer equals a replayed Uint8Array), object fields
 * whose value is undefined as absent (JSON drops them), key order ignored.
 * Returns the path of the first difference, or null when equal.
 */
export function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (a === b) return null;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b) ? null : at || '.';
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return at || '.';
  if (Array.isArray(a) !== Array.isArray(b)) return at || '.';
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}.length`;
    for (let i = 0; i < a.length; i++) {
      const diff = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (diff !== null) return diff;
    }
    return null;
  }
  return objectDifference(a as Record<string, unknown>, b as Record<string, unknown>, at);
}

function objectDifference(a: Record<string, unknown>, b: Record<string, unknown>, at: string): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of [...keys].sort()) {
    const diff = firstDifference(a[key], b[key], `${at}.${key}`);
    if (diff !== null) return diff;
  }
  return null;
}
