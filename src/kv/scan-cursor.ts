/**
 * SCAN's cursor is stateless: it names the last key a call read, so the next
 * call resumes after it, on any node, with nothing kept between calls. It is
 * written as a decimal integer (the key's bytes after a 0x01 byte, read as a
 * big-endian number), because client libraries such as redis-py parse the
 * cursor as an integer. "0" starts and ends a scan, as in Redis.
 */
export function encodeCursor(key: Uint8Array): string {
  return BigInt(`0x01${Buffer.from(key).toString('hex')}`).toString(10);
}

/** The key a cursor names, null for "0", or undefined when it is not a cursor we gave out. */
export function decodeCursor(cursor: string, keyBytesMax: number): Uint8Array | null | undefined {
  if (cursor === '0') return null;
  // A key of keyBytesMax bytes is at most about 2.41 decimal digits per byte, plus the marker byte.
  if (!/^[1-9]\d*$/.test(cursor) || cursor.length > Math.ceil((keyBytesMax + 1) * 2.41) + 1) return undefined;
  const hex = BigInt(cursor).toString(16);
  // The marker byte 0x01 prints as a single leading '1'.
  if (!hex.startsWith('1') || (hex.length - 1) % 2 !== 0) return undefined;
  return Buffer.from(hex.slice(1), 'hex');
}
