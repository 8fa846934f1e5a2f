/**
 * The StateMachine actor applies committed entries to the KV store and
 * answers read queries. Each batch of entries becomes one atomic LevelDB batch
 * together with its applied index, so a crash never applies an entry twice or
 * loses one. Batches are applied one at a time, in order; entries committed
 * meanwhile join the next batch.
 */
import type { MessageBus } from '../bus/bus.js';
import type { AppliedResult } from '../bus/events.js';
import { keyId, keysToRead, planApply, type IndexedCommand } from '../kv/apply.js';
import { decodeCommand } from '../kv/codec.js';
import type { KvQuery, KvQueryResult } from '../kv/commands.js';
import { SessionTable, type SessionLimits, type StoredSession } from '../kv/sessions.js';
import { compileGlob, globLiteralPrefix } from '../protocol/glob.js';
import { ENTRY_COMMAND, type Entry } from '../raft/types.js';
import type { KvStorage } from '../storage/interfaces.js';
import { assert } from '../util/assert.js';

export interface StateMachineOptions {
  readonly appliedIndex: number;
  readonly keysPerReplyMax: number;
  readonly sessionLimits: SessionLimits;
  /** The session table as the KV store holds it at start-up. */
  readonly sessions: readonly StoredSession[];
}

export class StateMachineActor {
  private queued: Entry[] = [];
  private readonly sessions: SessionTable;
  private readonly keysPerReplyMax: number;
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

  sessionCount(): number {
    return this.sessions.size();
  }

  private applyNext(): void {
    const entries = this.queued;
    if (entries.length === 0 || this.failed) return;
    this.queued = [];
    this.applying = this.applyBatch(entries)
      .then(
        (results) => this.bus.publish({ type: 'storage.applied', index: entries.at(-1)!.index, results }),
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

  private async applyBatch(entries: readonly Entry[]): Promise<AppliedResult[]> {
    const commands: IndexedCommand[] = [];
    for (const entry of entries) {
      if (entry.type === ENTRY_COMMAND) commands.push({ index: entry.index, command: decodeCommand(entry.data) });
    }
    const keys = keysToRead(commands);
    const values = keys.length > 0 ? await this.kv.getMany(keys) : [];
    const current = new Map<string, Uint8Array | undefined>();
    keys.forEach((key, i) => current.set(keyId(key), values[i]));
    const plan = planApply(commands, current, this.sessions);
    await this.kv.apply(plan.writes, entries.at(-1)!.index, this.sessions.takeChanges());
    let next = 0;
    return entries.map((entry) => ({
      index: entry.index,
      term: entry.term,
      result: entry.type === ENTRY_COMMAND ? plan.results[next++]! : null,
    }));
  }

  private async query(query: KvQuery): Promise<KvQueryResult> {
    switch (query.op) {
      case 'get':
        return { type: 'value', value: (await this.kv.get(query.key)) ?? null };
      case 'exists': {
        const values = await this.kv.getMany(query.keys);
        return { type: 'int', value: values.filter((value) => value !== undefined).length };
      }
      case 'list':
        return { type: 'keys', keys: await this.kv.keysWithPrefix(query.prefix, this.keysPerReplyMax) };
      case 'keys': {
        // Scan only the range the pattern's literal prefix allows.
        const candidates = await this.kv.keysWithPrefix(globLiteralPrefix(query.pattern), Number.MAX_SAFE_INTEGER);
        const matches = compileGlob(query.pattern);
        const keys: Uint8Array[] = [];
        for (const key of candidates) {
          if (keys.length >= this.keysPerReplyMax) break;
          if (matches(key)) keys.push(key);
        }
        return { type: 'keys', keys };
      }
    }
  }
}
