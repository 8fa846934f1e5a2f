/**
 * Seeded generator of linearizable histories, for tests and the benchmark: clients
 * issue back-to-back operations with random durations, each operation takes effect at
 * a random instant inside its interval, and outputs come from executing the operations
 * in the order of those instants. So every generated history is linearizable by
 * construction (unknown operations included: some took effect, some never did).
 */
import type { OpKind, Operation } from './history.js';

export interface GenerateOptions {
  seed: number;
  operations: number;
  keys: number;
  clients: number;
  /** Fraction of operations whose outcome the client never learned. */
  unknownRate?: number;
  /** Fraction of operations that definitely failed. */
  failRate?: number;
}

interface Pending {
  op: Operation;
  at: number;
  effective: boolean;
}

/** Small fast seeded PRNG (mulberry32); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateHistory(options: GenerateOptions): Operation[] {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const clientFree = new Array<number>(options.clients).fill(0);
  const written = new Map<string, string[]>();
  const pending: Pending[] = [];
  for (let id = 0; id < options.operations; id++) {
    const client = id % options.clients;
    const call = clientFree[client]! + 1 + Math.floor(random() * 5);
    const ret = call + 1 + Math.floor(random() * 20);
    clientFree[client] = ret;
    const key = `k${Math.floor(random() * options.keys)}`;
    const op = newOperation(id, client, key, pick(KINDS), call, ret, written, pick);
    const roll = random();
    if (roll < (options.failRate ?? 0)) op.status = 'fail';
    else if (roll < (options.failRate ?? 0) + (options.unknownRate ?? 0)) op.status = 'unknown';
    // Unknown operations took effect half the time, possibly well after the client gave up.
    const effective = op.status === 'ok' || (op.status === 'unknown' && random() < 0.5);
    const span = op.status === 'unknown' ? (ret - call) * 3 : ret - call;
    pending.push({ op, at: call + random() * span, effective });
  }
  execute(pending);
  return pending.map((p) => finish(p.op));
}

const KINDS: readonly OpKind[] = ['read', 'read', 'write', 'write', 'cas', 'delete'];

function newOperation(
  id: number,
  client: number,
  key: string,
  kind: OpKind,
  call: number,
  ret: number,
  written: Map<string, string[]>,
  pick: <T>(items: readonly T[]) => T,
): Operation {
  const op: Operation = { id, client, key, kind, status: 'ok', call, return: ret };
  const values = written.get(key) ?? [];
  if (kind === 'write' || kind === 'cas') {
    op.value = `v${id}`;
    written.set(key, [...values.slice(-4), op.value]);
  }
  if (kind === 'cas') op.expected = values.length > 0 ? pick(values) : 'none';
  return op;
}

/** Runs the effective operations in linearization-point order, filling in outputs. */
function execute(pending: Pending[]): void {
  const registers = new Map<string, string | null>();
  const order = pending.filter((p) => p.effective).sort((a, b) => a.at - b.at);
  for (const { op } of order) {
    const current = registers.get(op.key) ?? null;
    if (op.kind === 'read') op.output = current;
    if (op.kind === 'write') registers.set(op.key, op.value ?? null);
    if (op.kind === 'delete') registers.set(op.key, null);
    if (op.kind === 'cas') {
      op.swapped = current === op.expected;
      if (op.swapped) registers.set(op.key, op.value ?? null);
    }
  }
}

/** Clears what the client could not have seen. */
function finish(op: Operation): Operation {
  if (op.status === 'ok') return op;
  const { output: _output, swapped: _swapped, ...rest } = op;
  return { ...rest, return: op.status === 'unknown' ? null : op.return };
}
