/**
 * The call/return events of one history as a doubly-linked list in typed arrays, with
 * "dancing links" lift/unlift: a lifted node keeps its own pointers, so undoing lifts
 * in reverse order (the search's stack discipline) restores the list exactly.
 *
 * Node 0 is the head sentinel; op i has call node 2i+1 and return node 2i+2.
 */
import { assert } from '../util/assert.js';

export interface Interval {
  call: number;
  return: number;
}

export class EventList {
  static readonly END = -1;
  private readonly next_: Int32Array;
  private readonly prev: Int32Array;

  constructor(intervals: readonly Interval[]) {
    const nodes = intervals.length * 2 + 1;
    this.next_ = new Int32Array(nodes).fill(EventList.END);
    this.prev = new Int32Array(nodes).fill(EventList.END);
    const order = sortedEvents(intervals);
    let last = 0;
    for (const node of order) {
      this.next_[last] = node;
      this.prev[node] = last;
      last = node;
    }
  }

  first(): number {
    return this.next_[0]!;
  }

  next(node: number): number {
    return this.next_[node]!;
  }

  isReturn(node: number): boolean {
    return node % 2 === 0;
  }

  opOf(node: number): number {
    return (node - 1) >> 1;
  }

  /** Removes a call node and its return node. */
  lift(call: number): void {
    assert(!this.isReturn(call), 'only call nodes are lifted');
    this.unlink(call);
    this.unlink(call + 1);
  }

  /** Undoes `lift(call)`; valid only when every later lift was already undone. */
  unlift(call: number): void {
    this.relink(call + 1);
    this.relink(call);
  }

  private unlink(node: number): void {
    const prev = this.prev[node]!;
    const next = this.next_[node]!;
    this.next_[prev] = next;
    if (next !== EventList.END) this.prev[next] = prev;
  }

  private relink(node: number): void {
    const prev = this.prev[node]!;
    const next = this.next_[node]!;
    this.next_[prev] = node;
    if (next !== EventList.END) this.prev[next] = node;
  }
}

/**
 * Event nodes sorted by time. At equal times calls come first, so operations touching
 * at an instant count as concurrent (matches `precedes`, which needs a strict <).
 */
function sortedEvents(intervals: readonly Interval[]): number[] {
  const nodes: number[] = [];
  for (let i = 0; i < intervals.length; i++) nodes.push(2 * i + 1, 2 * i + 2);
  const time = (node: number): number => {
    const interval = intervals[(node - 1) >> 1]!;
    return node % 2 === 1 ? interval.call : interval.return;
  };
  return nodes.sort((a, b) => time(a) - time(b) || (b % 2) - (a % 2) || a - b);
}
