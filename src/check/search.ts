/**
 * The Wing & Gong linearizability search with Lowe's memoisation ("Testing for
 * linearizability", 2017), the algorithm Porcupine uses, for one key's history.
 *
 * Call and return events sit in one doubly-linked list in time order. Walking from the
 * head, any call met before the first return belongs to an operation that may take
 * effect now: every operation still pending began before anything pending finished.
 * Linearizing it applies it to the model and lifts its two events out of the list; if
 * no candidate works, the search backtracks. The memo holds (set of decided
 * operations, model state) pairs already visited: reaching one again cannot succeed
 * where it failed before.
 *
 * Two refinements keep highly concurrent histories tractable:
 * - A read-only operation (read, cas that did not swap) that fits the current state is
 *   linearized at once without branching: it changes no state and only drops a
 *   constraint, so if any order works from here, one starting with it works too.
 * - Candidates are tried earliest return first: the operation that must be done
 *   soonest is the likeliest to come next, so linearizable histories rarely backtrack.
 *
 * Unknown operations with return +Infinity may take effect at any point after their
 * call; the search succeeds once every ok operation is linearized, leaving the unknown
 * ones pending as "never took effect". An unknown operation with a finite deadline (see
 * unknowns.ts) may also be dropped, once its deadline is the first pending return.
 *
 * Input contract: `return` is the deadline (null or Infinity when unbounded) and
 * status 'unknown' marks operations that may be left out; boundUnknowns() makes that
 * from a checker history.
 */
import type { Operation } from './history.js';
import type { Model } from './model.js';
import { EventList } from './event-list.js';
import { Memo } from './memo.js';

export interface SearchLimits {
  /** Model steps left; the search stops with 'budget' when it runs out. */
  stepsMax: number;
  /** Absolute Date.now() deadline; the search stops with 'timeout' after it. */
  deadlineMs: number;
}

/** The deepest path the search reached, for explaining a failure. */
export interface PartialLinearization<S> {
  order: Operation[];
  state: S;
}

export type SearchResult<S> =
  | { kind: 'ok'; steps: number }
  | { kind: 'fail'; steps: number; best: PartialLinearization<S> | null }
  | { kind: 'budget' | 'timeout'; steps: number };

const DEADLINE_CHECK_EVERY = 4096;

/** One decision: `candidates[pos]` was linearized (or dropped) from `state`. */
interface Frame<S> {
  candidates: number[];
  pos: number;
  state: S;
  /** Forced moves (fitting reads) have no alternatives to try. */
  forced: boolean;
}

/** A candidate entry is a call node (apply the operation) or dropOf(call node) (leave it out). */
const dropOf = (call: number): number => ~call;
const nodeOf = (entry: number): number => (entry < 0 ? ~entry : entry);

/** Searches for a linearization of `ops`; `recordBest` keeps the deepest path (costs a copy per new depth). */
export function searchLinearization<S>(
  ops: readonly Operation[],
  model: Model<S>,
  limits: SearchLimits,
  recordBest = false,
): SearchResult<S> {
  return new Search(ops, model, recordBest).run(limits);
}

class Search<S> {
  private readonly list: EventList;
  private readonly memo: Memo;
  private readonly okTotal: number;
  private readonly stack: Frame<S>[] = [];
  private state: S;
  private okDone = 0;
  private steps = 0;
  private best: PartialLinearization<S> | null;
  private bestDepth = 0;

  constructor(
    private readonly ops: readonly Operation[],
    private readonly model: Model<S>,
    recordBest: boolean,
  ) {
    this.list = new EventList(ops.map((op) => ({ call: op.call, return: op.return ?? Infinity })));
    this.memo = new Memo(ops.length);
    this.okTotal = ops.filter((op) => op.status === 'ok').length;
    this.state = model.init();
    this.best = recordBest ? { order: [], state: this.state } : null;
  }

  run(limits: SearchLimits): SearchResult<S> {
    while (this.okDone < this.okTotal) {
      if (this.steps > limits.stepsMax) return { kind: 'budget', steps: this.steps };
      if (this.steps % DEADLINE_CHECK_EVERY === 0 && Date.now() > limits.deadlineMs) return { kind: 'timeout', steps: this.steps };
      const forced = this.forcedMove();
      if (forced === 'moved') continue;
      if ((forced === 'dead' || !this.tryFrom(this.candidates(), 0)) && !this.backtrack()) {
        return { kind: 'fail', steps: this.steps, best: this.best };
      }
    }
    return { kind: 'ok', steps: this.steps };
  }

  /**
   * Call nodes ahead of the first pending return, earliest return first. When that
   * return belongs to an unknown operation, dropping it comes last: that is the only
   * drop worth trying now, since a drop changes no state and only unblocks its return.
   */
  private candidates(): number[] {
    const nodes: number[] = [];
    let node = this.list.first();
    for (; node !== EventList.END && !this.list.isReturn(node); node = this.list.next(node)) nodes.push(node);
    const deadline = (n: number): number => this.ops[this.list.opOf(n)]!.return ?? Infinity;
    nodes.sort((a, b) => deadline(a) - deadline(b) || a - b);
    this.dropTwins(nodes);
    if (node !== EventList.END && this.ops[this.list.opOf(node)]!.status === 'unknown') nodes.push(dropOf(node - 1));
    return nodes;
  }

  /**
   * Keeps one of each set of pending unknown operations with the same effect and
   * deadline: applying one now and another later is the same as the other way round.
   */
  private dropTwins(nodes: number[]): void {
    const seen = new Set<string>();
    let kept = 0;
    for (const node of nodes) {
      const op = this.ops[this.list.opOf(node)]!;
      if (op.status === 'unknown') {
        const twin = JSON.stringify([op.kind, op.value, op.expected, op.return]);
        if (seen.has(twin)) continue;
        seen.add(twin);
      }
      nodes[kept++] = node;
    }
    nodes.length = kept;
  }

  /**
   * Linearizes a read-only operation that fits the current state, needing no branching.
   * 'dead' when that leads to a state the memo already explored.
   */
  private forcedMove(): 'moved' | 'dead' | 'none' {
    for (let node = this.list.first(); node !== EventList.END && !this.list.isReturn(node); node = this.list.next(node)) {
      const op = this.ops[this.list.opOf(node)]!;
      if (!isReadOnly(op)) continue;
      this.steps++;
      if (this.model.step(this.state, op).ok) return this.decide([node], 0, this.state, true) ? 'moved' : 'dead';
    }
    return 'none';
  }

  /** Tries candidates from `pos` on; true once one is taken. */
  private tryFrom(candidates: number[], pos: number): boolean {
    const needObserver = this.lastAppliedUnknown();
    for (let i = pos; i < candidates.length; i++) {
      this.steps++;
      const entry = candidates[i]!;
      if (entry < 0) {
        if (this.decide(candidates, i, this.state, false)) return true;
        continue;
      }
      const op = this.ops[this.list.opOf(entry)]!;
      if (needObserver && (op.kind === 'write' || op.kind === 'delete')) continue;
      const result = this.model.step(this.state, op);
      if (!result.ok || (op.status === 'unknown' && this.model.hash(result.state) === this.model.hash(this.state))) continue;
      if (this.decide(candidates, i, result.state, false)) return true;
    }
    return false;
  }

  /**
   * Whether the last operation applied was an unknown one. Applying an unknown
   * operation only pays if the next operation looks at the state it left: were it a
   * blind write or delete, the unknown one could be left out of that order, so such
   * orders are not tried. For the same reason an unknown operation is never applied
   * when it leaves the state unchanged.
   */
  private lastAppliedUnknown(): boolean {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const entry = this.stack[i]!.candidates[this.stack[i]!.pos]!;
      if (entry >= 0) return this.ops[this.list.opOf(entry)]!.status === 'unknown';
    }
    return false;
  }

  /** Records the decision unless the memo has seen its outcome; true if taken. */
  private decide(candidates: number[], pos: number, next: S, forced: boolean): boolean {
    const node = nodeOf(candidates[pos]!);
    const index = this.list.opOf(node);
    if (!this.memo.addWith(index, this.model.hash(next))) return false;
    this.stack.push({ candidates, pos, state: this.state, forced });
    this.list.lift(node);
    if (this.ops[index]!.status === 'ok') this.okDone++;
    this.state = next;
    if (this.best !== null && this.stack.length > this.bestDepth) this.recordBest();
    return true;
  }

  private recordBest(): void {
    this.bestDepth = this.stack.length;
    const applied = this.stack.filter((f) => f.candidates[f.pos]! >= 0).map((f) => this.ops[this.list.opOf(f.candidates[f.pos]!)]!);
    this.best = { order: applied, state: this.state };
  }

  /** Undoes decisions until one has an untried alternative that works; false when none is left. */
  private backtrack(): boolean {
    for (;;) {
      const frame = this.stack.pop();
      if (frame === undefined) return false;
      const node = nodeOf(frame.candidates[frame.pos]!);
      const index = this.list.opOf(node);
      this.memo.toggle(index);
      this.list.unlift(node);
      if (this.ops[index]!.status === 'ok') this.okDone--;
      this.state = frame.state;
      if (!frame.forced && this.tryFrom(frame.candidates, frame.pos + 1)) return true;
    }
  }
}

function isReadOnly(op: Operation): boolean {
  return op.status === 'ok' && (op.kind === 'read' || (op.kind === 'cas' && op.swapped === false));
}
