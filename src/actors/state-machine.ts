/**
 * The StateMachine actor applies committed entries to the KV store and
 * answers read queries. Each batch of entries becomes one atomic LevelDB batch
 * together with its applied index, so a crash never applies an entry twice or
 * loses one. Batches are applied one at a time, in order; entries committed
 * meanwhile join the next batch.
 */
import type { MessageBus } from '../bus/bus.js';
import type { AppliedResult } from '../bus/events.js';
import { planApply, type IndexedCommand } from '../kv/apply.js';
import { loadCurrent } from '../kv/load.js';
import type { KeyEvent } from '../kv/write-ops.js';
import { decodeCommand } from '../kv/codec.js';
import type { KvQuery, KvQueryResult } from '../kv/commands.js';
import { SessionTable, type SessionLimits, type StoredSession } from '../kv/sessions.js';
import { runQuery } from '../kv/query.js';
import { ENTRY_COMMAND, type Entry } from '../raft/types.js';
import type { KvStorage } from '../storage/interfaces.js';
import { assert } from '../util/assert.js';

export interface StateMachineOptions {
  readonly appliedIndex: number;
  readonly keysPerReplyMax: number;
  readonly sessionLimits: SessionLimits;
  /** The session table as the KV store holds it at start-up. */
  readonly sessions: readonly StoredSession[];
  /** The serving node's clock in ms: reads treat keys past their expiry as absent. Default Date.now. */
  readonly now?: () => number;
}

export class StateMachineActor {
  private queued: Entry[] = [];
  private readonly sessions: SessionTable;
  private readonly keysPerReplyMax: number;
  private readonly now: () => number;
  private applying: Promise<void> | null = null;
  private failed = false;
  private lastQueued: number;

  constructor(
    private readonly bus: MessageBus,
    private readonly kv: KvStorage,
    options: StateMachineOptions,
  ) {
    this.lastQueued = options.appliedIndex;
    this.keysPerReplyMax = options.keysPerReplyMax;
    this.now = options.now ?? Date.now;
    this.sessions = new SessionTable(options.sessionLimits, options.sessions);
    bus.on('storage.apply', (event) => {
      for (const entry of event.entries) {
        assert(entry.index === this.lastQueued + 1, `apply ${entry.index} after ${this.lastQueued}`);
        this.lastQueued = entry.index;
        this.queued.push(entry);
      }
      if (!this.applying) this.applyNext();
    });
    bus.on('storage.query', (event) => {
      this.query(event.query).then(
        (result) => this.bus.publish({ type: 'storage.queryResult', id: event.id, result }),
        (err: Error) => this.bus.publish({ type: 'storage.failed', operation: 'read', message: err.message }),
      );
    });
  }

  async idle(): Promise<void> {
    while (this.applying) await this.applying;
  }

  private applyNext(): void {
    const entries = this.queued;
    if (entries.length === 0 || this.failed) return;
    this.queued = [];
    this.applying = this.applyBatch(entries)
      .then(
        ({ results, events }) =>
          this.bus.publish({ type: 'storage.applied', index: entries.at(-1)!.index, results, ...(events.length > 0 ? { events } : {}) }),
        (err: Error) => {
          this.failed = true;
          this.bus.publish({ type: 'storage.failed', operation: 'apply', message: err.message });
        },
      )
      .finally(() => {
        this.applying = null;
        this.applyNext();
      });
  }

  private async applyBatch(entries: readonly Entry[]): Promise<{ results: AppliedResult[]; events: KeyEvent[] }> {
    const commands: IndexedCommand[] = [];
    for (const entry of entries) {
      if (entry.type === ENTRY_COMMAND) commands.push({ index: entry.index, command: decodeCommand(entry.data) });
    }
    const loading = loadCurrent(this.kv, commands);
    const current = loading instanceof Map ? loading : await loading;
    const plan = planApply(commands, current, this.sessions);
    await this.kv.apply(plan.writes, entries.at(-1)!.index, this.sessions.takeChanges());
    let next = 0;
    const results = entries.map((entry) => ({
      index: entry.index,
      term: entry.term,
      result: entry.type === ENTRY_COMMAND ? plan.results[next++]! : null,
    }));
    return { results, events: plan.events };
  }

  private query(query: KvQuery): Promise<KvQueryResult> {
    return runQuery(this.kv, query, { keysPerReplyMax: this.keysPerReplyMax }, this.now());
  }
}
