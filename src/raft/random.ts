/**
 * A small seeded PRNG (sfc32). The core never uses global randomness: the only
 * randomness Raft needs, the election timeout, comes from one of these, so a
 * run is reproducible from its seed.
 */
export type RandomSource = () => number;

export function seededRandom(seed: number): RandomSource {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162 ^ Math.imul(seed, 0xc2b2ae35);
  let d = seed | 0;
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Warm up so that nearby seeds diverge.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniformly random integer in [lo, hi). */
export function randomInt(random: RandomSource, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo));
}
