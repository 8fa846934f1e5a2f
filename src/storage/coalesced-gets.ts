/**
 * Point reads coalesced per turn: every getMany() called before the current
 * task ends (a bus drain answering a batch of confirmed reads calls one per
 * GET) goes to LevelDB as one getMany, one trip through the thread pool
 * instead of one each. Results are handed back to each caller in its own
 * order. Bounded: at most `keysMax` keys wait for one flush; a call that
 * would pass it flushes what is waiting first.
 */
import type { KvStorage } from '../storage/interfaces.js';

type Values = (Uint8Array | undefined)[];

interface Waiting {
  readonly from: number;
  readonly count: number;
  readonly resolve: (values: Values) => void;
  readonly reject: (err: unknown) => void;
}

export const COALESCED_KEYS_MAX = 4096;

export class CoalescedGets {
  private keys: Uint8Array[] = [];
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Pick<KvStorage, 'getMany'>,
    private readonly keysMax = COALESCED_KEYS_MAX,
  ) {}

  getMany(keys: readonly Uint8Array[]): Promise<Values> {
    if (keys.length === 0) return Promise.resolve([]);
    if (this.keys.length > 0 && this.keys.length + keys.length > this.keysMax) this.flush();
    return new Promise((resolve, reject) => {
      this.waiting.push({ from: this.keys.length, count: keys.length, resolve, reject });
      for (const key of keys) this.keys.push(key);
      if (this.scheduled) return;
      this.scheduled = true;
      // A microtask runs once the current task (the bus drain) is done: every read it issued is waiting by then.
      queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.waiting.length === 0) return;
    const keys = this.keys;
    const waiting = this.waiting;
    this.keys = [];
    this.waiting = [];
    this.store.getMany(keys).then(
      (values) => {
        for (const w of waiting) w.resolve(values.slice(w.from, w.from + w.count));
      },
      (err: unknown) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }
}
