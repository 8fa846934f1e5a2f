/**
 * Records operations in the checker's history format (src/check/history.ts): an
 * operation is added at invocation with status 'unknown' and no return time, and
 * completed when its outcome is known, so an operation cut off by the end of the run
 * stays honestly unknown. Times are milliseconds since the recorder was made, from
 * the monotonic clock, rounded to microseconds.
 */
import type { Operation, OpKind } from '../check/history.js';
import type { Outcome } from './outcome.js';

export interface Invocation {
  readonly client: number;
  readonly key: string;
  readonly kind: OpKind;
  readonly value?: string;
  readonly expected?: string;
}

export class HistoryRecorder {
  private readonly ops: Operation[] = [];
  private readonly reasons = new Map<string, number>();
  private readonly origin: number;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.origin = clock();
  }

  now(): number {
    return Math.round((this.clock() - this.origin) * 1000) / 1000;
  }

  invoke(invocation: Invocation): Operation {
    const op: Operation = { id: this.ops.length, ...invocation, status: 'unknown', call: this.now(), return: null };
    this.ops.push(op);
    return op;
  }

  complete(op: Operation, outcome: Outcome): void {
    if (op.return !== null) throw new Error(`operation #${op.id} completed twice`);
    op.return = this.now();
    op.status = outcome.status;
    if (outcome.status === 'ok') {
      if (op.kind === 'read') op.output = outcome.output ?? null;
      if (op.kind === 'cas') op.swapped = outcome.swapped ?? false;
    } else {
      this.reasons.set(outcome.reason, (this.reasons.get(outcome.reason) ?? 0) + 1);
      // Unknown: the client gave up at this time, but the effect may come later.
      if (outcome.status === 'unknown') op.return = null;
    }
  }

  history(): Operation[] {
    return this.ops.map((op) => ({ ...op }));
  }

  /** Operations by status and kind, and fail/unknown counts by reason. */
  counts(): { byStatus: Record<string, number>; byKind: Record<string, number>; reasons: Record<string, number> } {
    const byStatus: Record<string, number> = { ok: 0, fail: 0, unknown: 0 };
    const byKind: Record<string, number> = {};
    for (const op of this.ops) {
      byStatus[op.status] = (byStatus[op.status] ?? 0) + 1;
      byKind[op.kind] = (byKind[op.kind] ?? 0) + 1;
    }
    return { byStatus, byKind, reasons: Object.fromEntries([...this.reasons].sort((a, b) => b[1] - a[1])) };
  }
}
