/**
 * Lowe's memo: the set of (linearized operations, model state) pairs already explored.
 *
 * The current set of linearized operations is a bitset kept up to date in place, with
 * a Zobrist hash (an XOR of a fixed random 64-bit word per operation) updated in O(1)
 * per toggle, so a lookup costs one short string key plus, on a hash match, one
 * bitset comparison. Stored bitsets are copies, compared exactly: a hash collision can
 * cost time but never a wrong answer.
 */
export class Memo {
  private readonly bits: Uint32Array;
  private readonly zobristLo: Uint32Array;
  private readonly zobristHi: Uint32Array;
  private lo = 0;
  private hi = 0;
  private readonly seen = new Map<string, Uint32Array[]>();

  constructor(size: number) {
    this.bits = new Uint32Array(Math.ceil(size / 32));
    this.zobristLo = new Uint32Array(size);
    this.zobristHi = new Uint32Array(size);
    // Fixed seed: runs are reproducible, and the words only need to look random.
    let seed = 0x9e3779b9;
    for (let i = 0; i < size; i++) {
      seed = xorshift32(seed);
      this.zobristLo[i] = seed;
      seed = xorshift32(seed);
      this.zobristHi[i] = seed;
    }
  }

  /** Flips operation `index` in the current set. */
  toggle(index: number): void {
    this.bits[index >>> 5]! ^= 1 << (index & 31);
    this.lo ^= this.zobristLo[index]!;
    this.hi ^= this.zobristHi[index]!;
  }

  /**
   * Adds `index` to the current set and records (set, stateHash). Returns false, with
   * the set unchanged, when that pair was seen before.
   */
  addWith(index: number, stateHash: string): boolean {
    this.toggle(index);
    const key = `${this.lo}:${this.hi}:${stateHash}`;
    const bucket = this.seen.get(key);
    if (bucket === undefined) {
      this.seen.set(key, [this.bits.slice()]);
      return true;
    }
    if (bucket.some((stored) => sameBits(stored, this.bits))) {
      this.toggle(index);
      return false;
    }
    bucket.push(this.bits.slice());
    return true;
  }
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}
