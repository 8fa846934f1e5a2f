/**
 * Redis KEYS glob matching on raw bytes, with the pattern syntax of Redis's
 * `stringmatchlen` (util.c): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\` escape,
 * including its quirks (an unterminated `[` class ends at the pattern's end,
 * reversed ranges `[z-a]` are swapped, `\` as the last byte is a literal).
 *
 * Redis matches by recursion on `*`; we compile the pattern to tokens that each
 * consume exactly one byte (or are a star) and match with the classic
 * iterative wildcard algorithm that only backtracks to the most recent star.
 * That is O(pattern x key) in the worst case, so `*a*a*a*a*b` cannot blow up.
 *
 * Deliberate differences from `stringmatchlen`:
 * - bytes are compared unsigned (Redis compares `char`, signed on x86, which
 *   only matters for ranges that span 0x7f/0x80);
 * - a pattern of only stars matches the empty key (Redis's KEYS special-cases
 *   `*` to list every key, including the empty one; we make that uniform).
 */

const BACKSLASH = 0x5c;
const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;

/** A literal byte (0..255), any one byte, a star, or a byte class (256 flags). */
type Token = number | typeof ANY | typeof MANY | Uint8Array;
const ANY = -1;
const MANY = -2;

export type GlobMatcher = (key: Uint8Array) => boolean;

/** Compile once, then match many keys (KEYS scans the whole key space). */
export function compileGlob(pattern: Uint8Array): GlobMatcher {
  const tokens = tokenize(pattern);
  return (key) => matchTokens(tokens, key);
}

export function globMatch(pattern: Uint8Array, key: Uint8Array): boolean {
  return compileGlob(pattern)(key);
}

/**
 * The bytes every match must start with: the literal tokens before the first
 * wildcard or class (escapes resolved). KEYS can scan only keys with this prefix.
 */
export function globLiteralPrefix(pattern: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const token of tokenize(pattern)) {
    if (typeof token !== 'number' || token < 0) break;
    out.push(token);
  }
  return Uint8Array.from(out);
}

/**
 * The smallest byte string greater than every string with this prefix (the
 * exclusive end of a prefix range scan), or null when there is none (empty
 * prefix or all 0xff bytes: scan to the end).
 */
export function prefixRangeEnd(prefix: Uint8Array): Uint8Array | null {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i]!;
    if (byte !== 0xff) {
      // A copy (not prefix.slice: on a Buffer that is a view, and we would write into the caller's bytes).
      const end = Uint8Array.from(prefix.subarray(0, i + 1));
      end[i] = byte + 1;
      return end;
    }
  }
  return null;
}

function tokenize(p: Uint8Array): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === STAR) {
      if (tokens[tokens.length - 1] !== MANY) tokens.push(MANY);
      i++;
    } else if (c === QUESTION) {
      tokens.push(ANY);
      i++;
    } else if (c === OPEN) {
      i = parseClass(p, i + 1, tokens);
    } else if (c === BACKSLASH && i + 1 < p.length) {
      tokens.push(p[i + 1]!);
      i += 2;
    } else {
      tokens.push(c);
      i++;
    }
  }
  return tokens;
}

/**
 * Parses a class starting just after `[`, pushes it, and returns the index
 * after its `]` (or the pattern's end). Mirrors the `case '['` loop of
 * stringmatchlen step by step, including where it runs off the end.
 */
function parseClass(p: Uint8Array, start: number, tokens: Token[]): number {
  const table = new Uint8Array(256);
  let i = start;
  const negate = p[i] === CARET;
  if (negate) i++;
  for (;;) {
    const remaining = p.length - i;
    if (p[i] === BACKSLASH && remaining >= 2) {
      table[p[i + 1]!] = 1;
      i += 2;
    } else if (p[i] === CLOSE) {
      i++;
      break;
    } else if (remaining <= 0) {
      break;
    } else if (remaining >= 3 && p[i + 1] === DASH) {
      const a = p[i]!;
      const b = p[i + 2]!;
      table.fill(1, Math.min(a, b), Math.max(a, b) + 1);
      i += 3;
    } else {
      table[p[i]!] = 1;
      i++;
    }
  }
  if (negate) for (let b = 0; b < 256; b++) table[b] = table[b]! ^ 1;
  tokens.push(table);
  return i;
}

function matchOne(token: Token, byte: number): boolean {
  if (typeof token === 'number') return token === ANY || token === byte;
  return token[byte] === 1;
}

/**
 * Iterative wildcard matching: on a mismatch, let the most recent star absorb
 * one more byte and retry from just after it. Earlier stars never need to be
 * revisited, because every non-star token consumes exactly one byte.
 */
function matchTokens(tokens: readonly Token[], key: Uint8Array): boolean {
  let t = 0;
  let k = 0;
  let starToken = -1;
  let starKey = 0;
  while (k < key.length) {
    const token = tokens[t];
    if (token === MANY) {
      starToken = t++;
      starKey = k;
    } else if (token !== undefined && matchOne(token, key[k]!)) {
      t++;
      k++;
    } else if (starToken >= 0) {
      t = starToken + 1;
      k = ++starKey;
    } else {
      return false;
    }
  }
  while (tokens[t] === MANY) t++;
  return t === tokens.length;
}
