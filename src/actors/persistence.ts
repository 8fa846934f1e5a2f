/**
 * The Persistence actor writes Raft's log and hard state. One write is on
 * disk at a time; requests that arrive meanwhile are merged and go down as the
 * next single synced batch (group commit), so a burst of proposals costs one
 * fsync, not one each. Completion is reported as `storage.persisted` with the
 * highest seq written: the core treats that as "everything up to seq".
 */
import type { MessageBus } from '../bus/bus.js';
import { mergePersists } from '../raft/persist-merge.js';
import type { PersistRequest } from '../raft/ready.js';
import type { RaftStorage } from '../storage/interfaces.js';

export class PersistenceActor {
  private queued: PersistRequest | null = null;
  private writing: Promise<void> | null = null;
  private failed = false;

  constructor(
    private readonly bus: MessageBus,
    private readonly storage: RaftStorage,
  ) {
    bus.on('storage.persist', (event) => {
      this.queued = this.queued ? mergePersists(this.queued, event.request) : event.request;
      if (!this.writing) this.writeNext();
    });
  }

  /** Resolves when no write is in flight (for a clean shutdown). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private writeNext(): void {
    const request = this.queued;
    if (!request || this.failed) return;
    this.queued = null;
    this.writing = this.storage
      .write({
        entries: request.entries,
        ...(request.hardState ? { hardState: request.hardState } : {}),
        ...(request.truncateFrom !== undefined ? { truncateFrom: request.truncateFrom } : {}),
        ...(request.compact !== undefined ? { compact: request.compact } : {}),
      })
      .then(
        () => this.bus.publish({ type: 'storage.persisted', seq: request.seq }),
        (err: Error) => {
          // Raft cannot go on without its log: stop writing and let the node fail loudly.
          this.failed = true;
          this.bus.publish({ type: 'storage.failed', operation: 'raft log write', message: err.message });
        },
      )
      .finally(() => {
        this.writing = null;
        this.writeNext();
      });
  }
}
