/**
 * Client histories for the linearizability checker.
 *
 * A history is a JSON array of `Operation` records, one per client request, so the
 * simulator, the chaos tests and offline tools can all write and read it:
 *
 *   id       unique number within the history
 *   client   client (process) id; one client's completed operations never overlap
 *   key      the register the operation touches; keys are checked independently
 *   kind     'read' | 'write' | 'cas' | 'delete'
 *   value    write: the value written; cas: the new value (null means "make absent")
 *   expected cas: the value that must be current for the swap to happen
 *   status   'ok'      the client saw the reply
 *            'fail'    definitely did not take effect (removed before checking)
 *            'unknown' may or may not have taken effect (timeout, connection lost)
 *   output   read with status ok: the value seen, null when the key was absent
 *   swapped  cas with status ok: true if it swapped, false if it saw another value
 *   call     invocation time, any monotonic unit
 *   return   completion time; null (JSON has no Infinity) or Infinity when unknown
 *
 * Timing rule: a precedes b only when a.return < b.call strictly; equal times count as
 * concurrent, because two events in the same clock tick have no observable order.
 * An 'unknown' operation's return is treated as +Infinity whatever it says: the client
 * gave up waiting, but the request may still be applied later.
 */
export type OpKind = 'read' | 'write' | 'cas' | 'delete';
export type OpStatus = 'ok' | 'fail' | 'unknown';

export interface Operation {
  id: number;
  client: number;
  key: string;
  kind: OpKind;
  value?: string | null;
  expected?: string;
  status: OpStatus;
  output?: string | null;
  swapped?: boolean;
  call: number;
  return: number | null;
}

/** The completion time used for ordering: +Infinity when the outcome is unknown. */
export function returnTime(op: Operation): number {
  if (op.status === 'unknown' || op.return === null) return Infinity;
  return op.return;
}

/** True when `a` finished before `b` started (real-time order). */
export function precedes(a: Operation, b: Operation): boolean {
  return returnTime(a) < b.call;
}

/**
 * Drops what carries no information: failed operations never took effect, and an
 * unknown read neither changes the register nor reports what it saw.
 */
export function relevantOps(ops: readonly Operation[]): Operation[] {
  return ops.filter((op) => op.status !== 'fail' && !(op.status === 'unknown' && op.kind === 'read'));
}

/** Groups operations by key, keeping their order; keys come out sorted for determinism. */
export function partitionByKey(ops: readonly Operation[]): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = byKey.get(op.key);
    if (list) list.push(op);
    else byKey.set(op.key, [op]);
  }
  return new Map([...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Problems that make a history unusable (a harness bug, not a Raft bug); empty when fine. */
export function validateHistory(ops: readonly Operation[]): string[] {
  const problems: string[] = [];
  const ids = new Set<number>();
  for (const op of ops) {
    if (ids.has(op.id)) problems.push(`#${op.id}: duplicate id`);
    ids.add(op.id);
    problems.push(...validateOp(op).map((p) => `#${op.id}: ${p}`));
  }
  problems.push(...overlappingClientOps(ops));
  return problems;
}

function validateOp(op: Operation): string[] {
  const problems: string[] = [];
  if (!Number.isFinite(op.call)) problems.push('call time must be finite');
  if (op.status !== 'unknown') {
    if (op.return === null || !Number.isFinite(op.return)) problems.push(`${op.status} operation needs a finite return time`);
    else if (op.return < op.call) problems.push('returns before its call');
  }
  if (op.kind === 'write' && typeof op.value !== 'string') problems.push('write needs a string value');
  if (op.kind === 'cas' && typeof op.expected !== 'string') problems.push('cas needs a string expected value');
  if (op.kind === 'cas' && op.value === undefined) problems.push('cas needs a new value');
  if (op.status === 'ok' && op.kind === 'read' && op.output === undefined) problems.push('ok read needs an output');
  if (op.status === 'ok' && op.kind === 'cas' && typeof op.swapped !== 'boolean') problems.push('ok cas needs swapped');
  return problems;
}

/** Completed operations of one client must not overlap; unknown ones may (the client moved on). */
function overlappingClientOps(ops: readonly Operation[]): string[] {
  const byClient = new Map<number, Operation[]>();
  for (const op of ops) {
    if (op.status === 'unknown') continue;
    const list = byClient.get(op.client);
    if (list) list.push(op);
    else byClient.set(op.client, [op]);
  }
  const problems: string[] = [];
  for (const [client, list] of byClient) {
    list.sort((a, b) => a.call - b.call);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (returnTime(prev) > cur.call) problems.push(`client ${client}: #${prev.id} and #${cur.id} overlap`);
    }
  }
  return problems;
}
