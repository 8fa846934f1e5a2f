/**
 * The leader's side of snapshot transfers, for the StateMachine actor: one
 * read view per follower, streamed one chunk at a time. A chunk goes out on
 * `send` (chunk 0) or when the follower asks for it (`next`); asking again
 * for the chunk last sent resends it (it was lost); `close` frees the view.
 * Work on one follower's transfer runs in order, so chunks never race.
 * Each chunk read arrives as a `storage.snapshotRead` input, which the
 * StateMachine actor sends on.
 */
import type { MessageBus } from '../bus/bus.js';
import type { SnapshotCommand } from '../raft/ready.js';
import type { InstallSnapshot, NodeId, SnapshotMeta, Term } from '../raft/types.js';
import type { KvStorage, SnapshotReader } from '../storage/interfaces.js';

interface Transfer {
  readonly transfer: number;
  readonly term: Term;
  reader: SnapshotReader | null;
  /** The chunk last sent, -1 before the first. */
  seq: number;
  last: { readonly data: Uint8Array; readonly last: boolean } | null;
  closed: boolean;
  chain: Promise<void>;
  /** Tasks queued on the chain and not finished. */
  queued: number;
}

export class SnapshotSender {
  private readonly transfers = new Map<NodeId, Transfer>();

  constructor(
    private readonly bus: MessageBus,
    private readonly kv: KvStorage,
    private readonly self: NodeId,
    private readonly chunkBytes: number,
    private readonly fail: (err: Error) => void,
  ) {}

  /** `view` is the state machine's applied point now, for a `send`. */
  handle(command: Exclude<SnapshotCommand, { kind: 'stage' }>, view: () => SnapshotMeta): void {
    switch (command.kind) {
      case 'send': {
        this.close(command.to);
        const transfer: Transfer = { transfer: command.transfer, term: command.term, reader: null, seq: -1, last: null, closed: false, chain: Promise.resolve(), queued: 0 };
        this.transfers.set(command.to, transfer);
        // Opened now, in order with the applies already issued: the view is at meta.index exactly.
        const opened = this.kv.openSnapshot(view());
        opened.catch(() => undefined); // awaited in the chain; this only keeps it from counting as unhandled meanwhile
        this.then(command.to, transfer, async () => {
          transfer.reader = await opened;
          if (transfer.closed) await transfer.reader.close();
          else await this.sendChunk(command.to, transfer, 0);
        });
        break;
      }
      case 'next': {
        const transfer = this.transfers.get(command.to);
        if (transfer?.transfer !== command.transfer) return;
        this.then(command.to, transfer, () => this.sendChunk(command.to, transfer, command.seq));
        break;
      }
      case 'close':
        if (this.transfers.get(command.to)?.transfer === command.transfer) this.close(command.to);
        break;
    }
  }

  /**
   * Runs task after the transfer's earlier tasks. An idle transfer starts it
   * at once, so its first storage call is made while this event is handled:
   * a simulated disk schedules its answer in virtual time only when called.
   */
  private then(to: NodeId, transfer: Transfer, task: () => Promise<void>): void {
    const run = (): Promise<void> =>
      task()
        .catch((err: Error) => {
          this.close(to);
          this.fail(err);
        })
        .finally(() => transfer.queued--);
    transfer.chain = transfer.queued++ === 0 ? run() : transfer.chain.then(run);
  }

  /** Sends chunk seq if it is the next one or a resend of the last; anything else is stale. */
  private async sendChunk(to: NodeId, transfer: Transfer, seq: number): Promise<void> {
    if (transfer.closed || transfer.reader === null) return;
    if (seq === transfer.seq + 1 && !(transfer.last?.last ?? false)) {
      transfer.last = await transfer.reader.next(this.chunkBytes);
      transfer.seq = seq;
    } else if (seq !== transfer.seq || transfer.last === null) {
      return;
    }
    if (transfer.closed) return;
    const message: InstallSnapshot = {
      type: 'InstallSnapshot',
      from: this.self,
      to,
      term: transfer.term,
      snapshot: transfer.reader.meta,
      transfer: transfer.transfer,
      seq,
      data: transfer.last.data,
      done: transfer.last.last,
    };
    // A chunk read from disk is an input (a storage completion), so a trace replays the send that follows.
    this.bus.publish({ type: 'storage.snapshotRead', message });
  }

  private close(to: NodeId): void {
    const transfer = this.transfers.get(to);
    if (!transfer) return;
    this.transfers.delete(to);
    transfer.closed = true;
    transfer.chain = transfer.chain.then(() => transfer.reader?.close());
  }
}
