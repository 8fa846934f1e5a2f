/**
 * SNAPSHOT OPEN | NEXT | CLOSE, answered at the TCP edge: one connection's
 * read view of the state machine, streamed to `raftkv snapshot save` one
 * chunk per request (so a large state never sits in memory on either side).
 *
 *   OPEN   opens a view at the applied point (closing this connection's
 *          previous one): [index, term, voters comma-separated, role]
 *   NEXT   the next chunk: [1 when it is the last else 0, chunk bytes]
 *   CLOSE  frees the view: OK
 *
 * A connection holds at most one view, freed when it closes. Requests on one
 * connection are answered in order; each waits for the one before.
 */
import { lower } from '../protocol/args.js';
import { bulkText, errorReply, intReply, listReply, OK, type Reply } from '../protocol/reply.js';
import type { Role } from '../raft/ready.js';
import type { SnapshotReader } from '../storage/interfaces.js';

/** What the node lends the edge for exports. */
export interface SnapshotSource {
  /** A view at the state machine's applied point, opened between applies. */
  open(): Promise<SnapshotReader>;
  readonly chunkBytes: number;
}

export class SnapshotExport {
  private reader: SnapshotReader | null = null;
  private finished = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: SnapshotSource | undefined,
    private readonly role: () => Role,
  ) {}

  /** The reply to SNAPSHOT args, after every earlier SNAPSHOT request of this connection. */
  answer(args: readonly Buffer[]): Promise<Reply> {
    const run = this.chain.then(() => this.step(args));
    this.chain = run.catch(() => undefined);
    return run.catch((err: Error) => errorReply(`ERR snapshot export failed: ${err.message}`));
  }

  /** Frees the view (the connection closed). */
  close(): Promise<void> {
    const run = this.chain.then(() => this.release());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async step(args: readonly Buffer[]): Promise<Reply> {
    if (this.source === undefined) return errorReply('ERR SNAPSHOT is not available on this node');
    if (args.length !== 1) return errorReply("ERR wrong number of arguments for 'snapshot' command");
    switch (lower(args[0]!)) {
      case 'open': {
        await this.release();
        this.reader = await this.source.open();
        this.finished = false;
        const { index, term, voters } = this.reader.meta;
        return listReply([bulkText(String(index)), bulkText(String(term)), bulkText(voters.join(',')), bulkText(this.role())]);
      }
      case 'next': {
        if (this.reader === null) return errorReply('ERR SNAPSHOT NEXT without SNAPSHOT OPEN on this connection');
        if (this.finished) return errorReply('ERR SNAPSHOT NEXT after the last chunk; SNAPSHOT CLOSE it');
        const chunk = await this.reader.next(this.source.chunkBytes);
        this.finished = chunk.last;
        return listReply([intReply(chunk.last ? 1 : 0), { type: 'bulk', value: Buffer.from(chunk.data) }]);
      }
      case 'close':
        await this.release();
        return OK;
      default:
        return errorReply(`ERR unknown subcommand '${args[0]!.toString('latin1')}'. Try SNAPSHOT OPEN, NEXT or CLOSE.`);
    }
  }

  private async release(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    if (reader !== null) await reader.close();
  }
}
