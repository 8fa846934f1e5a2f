/** Test helpers for the transport suites: conditions, log capture, ports, sample messages. */
import net from 'node:net';
import { pino, type Logger } from 'pino';
import { ENTRY_COMMAND, ENTRY_NOOP, type Message, type NodeId } from '../../src/raft/types.js';

/** Polls predicate until it holds; fails with `what` after timeoutMs. No fixed sleeps. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A pino logger writing parsed JSON lines into an array. */
export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) };
  return { logger: pino({ level: 'debug' }, destination), lines };
}

export const WARN = 40;

/** Ports free right now: all held open at once so they are distinct, then released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = net.createServer();
      return new Promise<net.Server>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Collects what one transport delivers. */
export class Inbox {
  readonly messages: Message[] = [];
  /** Peers whose established links closed, in the order reported. */
  readonly disconnected: NodeId[] = [];
  readonly handler = (message: Message): void => void this.messages.push(message);
  readonly onDisconnected = (peer: NodeId): void => void this.disconnected.push(peer);
}

/** One message of every type, from -> to; the AppendEntries carries every byte value. */
export function oneOfEach(from: NodeId, to: NodeId, term = 3): Message[] {
  const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
  return [
    { type: 'RequestVote', from, to, term, lastLogIndex: 10, lastLogTerm: 2, leaderTransfer: false },
    { type: 'RequestVoteResponse', from, to, term, granted: true },
    {
      type: 'AppendEntries',
      from,
      to,
      term,
      prevLogIndex: 10,
      prevLogTerm: 2,
      leaderCommit: 9,
      entries: [
        { index: 11, term, type: ENTRY_NOOP, data: new Uint8Array(0) },
        { index: 12, term, type: ENTRY_COMMAND, data: everyByte },
        { index: 13, term, type: ENTRY_COMMAND, data: Buffer.from('SET k v') },
      ],
    },
    {
      type: 'AppendEntriesResponse',
      from,
      to,
      term,
      success: false,
      matchIndex: 0,
      conflictIndex: 7,
      conflictTerm: 1,
      rejectedIndex: 10,
    },
    { type: 'Heartbeat', from, to, term, commit: 9, readRound: 4 },
    { type: 'HeartbeatResponse', from, to, term, readRound: 4 },
    { type: 'PreVote', from, to, term, lastLogIndex: 10, lastLogTerm: 2 },
    { type: 'PreVoteResponse', from, to, term, granted: false },
    { type: 'TimeoutNow', from, to, term },
  ];
}

/** A Heartbeat whose readRound carries a sequence number, for ordering checks. */
export function numbered(from: NodeId, to: NodeId, n: number): Message {
  return { type: 'Heartbeat', from, to, term: 1, commit: 0, readRound: n };
}

/** Entry data as plain arrays, so Buffer and Uint8Array compare by content alone. */
export function bytesOf(message: Message): number[][] {
  return message.type === 'AppendEntries' ? message.entries.map((e) => [...e.data]) : [];
}
