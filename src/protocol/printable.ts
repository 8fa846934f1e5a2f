/**
 * Renders client-supplied bytes for error replies: printable ASCII as is,
 * everything else (CR, LF, quotes' escape, binary) as \xHH, so an echoed
 * argument can never break the one-line RESP error framing.
 */

/** Printable ASCII except backslash (escaped so the escapes stay unambiguous). */
function isPlain(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f && byte !== 0x5c;
}

function escapeByte(byte: number): string {
  if (byte === 0x5c) return '\\\\';
  return isPlain(byte) ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** At most maxBytes of the input, escaped; `...` marks a cut. */
export function printableBytes(bytes: Uint8Array, maxBytes: number): string {
  const shown = bytes.length > maxBytes ? bytes.subarray(0, maxBytes) : bytes;
  let out = '';
  for (const byte of shown) out += escapeByte(byte);
  return bytes.length > maxBytes ? `${out}...` : out;
}

/** One byte in quotes for a protocol error (`'x'`), or `end of line`. */
export function describeByte(byte: number | undefined): string {
  return byte === undefined ? 'end of line' : `'${escapeByte(byte)}'`;
}
