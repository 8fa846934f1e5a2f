/**
 * The MessageBus: a typed mitt emitter behind a FIFO mailbox.
 *
 * mitt alone is synchronous and re-entrant: a handler that emits is served
 * before the outer emit returns. Here every published event joins one queue
 * and is delivered only when everything before it has been handled to
 * completion, so the order of deliveries is the order of the queue and a
 * node's run is a plain sequence of events. Every delivery passes through
 * deliver(), the one choke point where taps (the trace recorder, the flight
 * recorder, the simulator's invariant checks) see it.
 */
import mittImport, { type Emitter, type EventType } from 'mitt';
import { assert } from '../util/assert.js';
import type { BusEvent, BusEvents, BusEventType } from './events.js';

// mitt's typings are written as CommonJS while its ESM build, which Node loads
// here, has a real default export: type the import as the factory it is.
const mitt = mittImport as unknown as <E extends Record<EventType, unknown>>() => Emitter<E>;

/** Arranges for drain() to run soon (setImmediate for real nodes, the simulator's scheduler in tests). */
export type DrainScheduler = (drain: () => void) => void;

/** Sees every delivered event, with its delivery sequence number, before any handler. */
export type BusTap = (event: BusEvent, seq: number) => void;

export const immediateScheduler: DrainScheduler = (drain) => setImmediate(drain);
/** Drains as soon as something is published from outside a delivery (unit tests). */
export const synchronousScheduler: DrainScheduler = (drain) => drain();

export class MessageBus {
  private readonly emitter: Emitter<BusEvents> = mitt<BusEvents>();
  private queue: BusEvent[] = [];
  private head = 0;
  private delivering = false;
  private scheduled = false;
  private readonly taps: BusTap[] = [];
  private delivered = 0;
  /** Runs before an input from the world is queued (see beforeInput). */
  private inputHook: (() => void) | null = null;
  private inInputHook = false;

  constructor(private readonly schedule: DrainScheduler = immediateScheduler) {}

  on<T extends BusEventType>(type: T, handler: (event: BusEvents[T]) => void): () => void {
    this.emitter.on(type, handler);
    return () => this.emitter.off(type, handler);
  }

  tap(tap: BusTap): () => void {
    this.taps.push(tap);
    return () => {
      const i = this.taps.indexOf(tap);
      if (i >= 0) this.taps.splice(i, 1);
    };
  }

  /**
   * `hook` runs before each event published from outside a delivery (a
   * message, a request, a completed write: an input from the world), so it
   * can queue what must come first. The Timer uses it to deliver the ticks
   * that elapsed while it slept, keeping every input on its tick grid.
   */
  beforeInput(hook: (() => void) | null): void {
    this.inputHook = hook;
  }

  /** Queues event; it is delivered after everything already queued. */
  publish(event: BusEvent): void {
    if (this.inputHook !== null && !this.delivering && !this.inInputHook) {
      this.inInputHook = true;
      try {
        this.inputHook();
      } finally {
        this.inInputHook = false;
      }
    }
    this.queue.push(event);
    if (this.delivering || this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Delivers queued events, one at a time, until the queue is empty. */
  drain(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.head < this.queue.length) {
        const event = this.queue[this.head++]!;
        this.deliver(event);
      }
      this.queue = [];
      this.head = 0;
    } finally {
      this.delivering = false;
    }
  }

  /** Delivers one queued event, if any (the simulator steps nodes event by event). */
  step(): BusEvent | undefined {
    assert(!this.delivering, 'step() during a delivery');
    if (this.head >= this.queue.length) return undefined;
    const event = this.queue[this.head++]!;
    this.delivering = true;
    try {
      this.deliver(event);
    } finally {
      this.delivering = false;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return event;
  }

  /** Delivers event now, ahead of the queue (replay feeds recorded inputs this way). */
  deliverNow(event: BusEvent): void {
    assert(!this.delivering, 'deliverNow() during a delivery');
    this.delivering = true;
    try {
      this.deliver(event);
    } finally {
      this.delivering = false;
    }
  }

  pending(): number {
    return this.queue.length - this.head;
  }

  /** The next queued event without delivering it. */
  peek(): BusEvent | undefined {
    return this.queue[this.head];
  }

  deliveredCount(): number {
    return this.delivered;
  }

  /** The choke point: every delivered event passes here exactly once. */
  private deliver(event: BusEvent): void {
    const seq = ++this.delivered;
    for (const tap of this.taps) tap(event, seq);
    this.emitter.emit(event.type, event as never);
  }
}
