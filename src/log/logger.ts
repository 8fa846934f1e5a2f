/**
 * Structured logs: one JSON object per line (pino), or pino-pretty's
 * human-readable form on a terminal. Every line names the node and, through
 * a pino mixin, the Raft term and role at the moment it was written, so a
 * merged log of a whole cluster reads as a story without cross-referencing.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogLevel } from '../config/types.js';

export type Logger = PinoLogger;

/** What the node is doing right now; read once per line written, so it must be a cheap field read. */
export interface LogStatus {
  readonly term: number;
  readonly role: string;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Human-readable lines instead of JSON; see isTty() for a default. */
  readonly pretty?: boolean;
  readonly nodeId?: string;
  readonly status?: () => LogStatus;
  /** Where lines go; stdout by default. Tests pass a stream that captures them. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      // pid tells apart two runs of one node in a merged log; hostname is the same for every local node.
      base: options.nodeId === undefined ? { pid: process.pid } : { node: options.nodeId, pid: process.pid },
      // Called only for lines that pass the level check, so disabled debug/trace calls cost nothing here.
      ...(options.status && { mixin: statusMixin(options.status) }),
    },
    options.pretty === true ? prettyStream(options.destination) : jsonStream(options.destination),
  );
}

/** True when `stream` (stdout by default) is a terminal, where pretty output is the better default. */
export function isTty(stream: { readonly isTTY?: boolean } = process.stdout): boolean {
  return stream.isTTY === true;
}

function statusMixin(status: () => LogStatus): () => object {
  // A fresh object per line: pino merges the line's own fields into what the mixin returns.
  return () => {
    const { term, role } = status();
    return { term, role };
  };
}

/**
 * Synchronous writes: a node that crashes must not lose its last lines, which
 * are the ones that explain the crash. Hot-path logging is at debug/trace,
 * below the default level, so this costs a write per line only where lines are few.
 */
function jsonStream(destination: DestinationStream | undefined): DestinationStream {
  return destination ?? pino.destination({ dest: 1, sync: true });
}

/**
 * pino-pretty's formatter as a synchronous in-process stream, not a
 * worker-thread transport nor pino-pretty's own Transform pipeline: it works
 * the same in node processes, CLI tools and vitest workers, and a line is
 * written before the log call returns, as with JSON.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  const format = prettyFactory({
    colorize: destination === undefined && isTty(),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,node,term,role',
    messageFormat: prettyMessage,
  });
  const out = jsonStream(destination);
  return { write: (line: string) => out.write(format(line)) };
}

/** `[n1 t3 leader] message`: the fields the JSON form carries, in front where the eye looks. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const tags: string[] = [];
  if (log['node'] !== undefined) tags.push(String(log['node']));
  if (log['role'] !== undefined) tags.push(`t${String(log['term'])} ${String(log['role'])}`);
  const message = log[messageKey] === undefined ? '' : String(log[messageKey]);
  return tags.length === 0 ? message : `[${tags.join(' ')}] ${message}`;
}
