/**
 * A direct port of Redis 7's recursive `stringmatchlen` (util.c), used only
 * as a test oracle for glob.ts. Reads past the pattern's end see -1 where C
 * sees the NUL terminator; bytes are unsigned. Exponential-ish on hostile
 * patterns (Redis bounds it with skipLongerMatches), so keep inputs small.
 */
export function redisStringMatch(pattern: Uint8Array, key: Uint8Array): boolean {
  return match(pattern, 0, key, 0, { skipLonger: false }, 0);
}

function match(
  pat: Uint8Array,
  p: number,
  str: Uint8Array,
  s: number,
  state: { skipLonger: boolean },
  nesting: number,
): boolean {
  if (nesting > 1000) return false;
  const at = (i: number) => (i < pat.length ? pat[i]! : -1);
  while (p < pat.length && s < str.length) {
    const c = at(p);
    if (c === 0x2a /* * */) {
      while (p < pat.length && at(p + 1) === 0x2a) p++;
      if (pat.length - p === 1) return true;
      while (s < str.length) {
        if (match(pat, p + 1, str, s, state, nesting + 1)) return true;
        if (state.skipLonger) return false;
        s++;
      }
      state.skipLonger = true;
      return false;
    } else if (c === 0x3f /* ? */) {
      s++;
    } else if (c === 0x5b /* [ */) {
      p++;
      const not = at(p) === 0x5e;
      if (not) p++;
      let matched = false;
      for (;;) {
        if (at(p) === 0x5c && pat.length - p >= 2) {
          p++;
          if (at(p) === str[s]) matched = true;
        } else if (at(p) === 0x5d) {
          break;
        } else if (pat.length - p === 0) {
          p--;
          break;
        } else if (pat.length - p >= 3 && at(p + 1) === 0x2d) {
          let lo = at(p);
          let hi = at(p + 2);
          if (lo > hi) [lo, hi] = [hi, lo];
          p += 2;
          if (str[s]! >= lo && str[s]! <= hi) matched = true;
        } else if (at(p) === str[s]) {
          matched = true;
        }
        p++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      s++;
    } else {
      if (c === 0x5c && pat.length - p >= 2) p++;
      if (at(p) !== str[s]) return false;
      s++;
    }
    p++;
    if (s === str.length) {
      while (at(p) === 0x2a) p++;
      break;
    }
  }
  return p >= pat.length && s === str.length;
}
