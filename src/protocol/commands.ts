/**
 * Turns a parsed request's arguments into a typed request, or into the error
 * reply text a Redis server would give (Redis wording where one exists).
 * Command names are case-insensitive; what each command takes is in the
 * command table (src/protocol/command-table.ts), which also answers COMMAND.
 *
 * Two kinds of request come out: `ClientRequest`s travel the bus to the
 * replicated state machine's client actor; `EdgeRequest`s are connection-
 * level commands (HELLO, CLIENT, COMMAND, CONFIG, CLUSTER, PING, ...) that
 * the node's TCP edge answers itself.
 */
import type { KvCommand, KvQuery } from '../kv/commands.js';
import type { MembershipChange } from '../raft/membership/change.js';
import type { SnapshotFacts } from '../actors/state-machine.js';
import { fail, wrongArity, ECHO_BYTES_MAX, type CommandLimits } from './args.js';
import { COMMAND_TABLE } from './command-table.js';
import { printableBytes } from './printable.js';

export type { CommandLimits } from './args.js';
export { wrongArity } from './args.js';

export type ClientRequest =
  /** `now`: the serving node's clock in ms when the edge took it; a leader's becomes the entry's time. */
  | { kind: 'write'; command: KvCommand; now?: number }
  /** `stale`: READONLY on this connection; serve from this node's state as it is, without confirming leadership. */
  | { kind: 'read'; query: KvQuery; stale?: boolean }
  /** INFO [section ...], with what only the TCP edge knows. */
  | { kind: 'info'; sections: string[]; edge?: EdgeFacts }
  /** CLUSTER TRANSFER-LEADER [node-id]: the leader hands over (dissertation 3.10); +OK once it has. */
  | { kind: 'transfer-leader'; target: string | null }
  /** CLUSTER MEMBER ADD-LEARNER | PROMOTE | REMOVE: one membership change; +OK once its entry is applied. */
  | { kind: 'membership'; change: MembershipChange };

/** Facts for INFO that the TCP edge knows (the client actor is deterministic and has no clock). */
export interface EdgeFacts {
  readonly connectedClients: number;
  readonly tcpPort: number;
  readonly uptimeSeconds: number;
  readonly processId: number;
  /** Counts of what the edge's guards refused or closed (INFO stats), by Redis-style field name. */
  readonly guards?: Readonly<Record<string, number>>;
  /**
   * The last snapshot's size and an install's progress, read from the state
   * machine as the request arrives: they depend on storage timing, so they
   * travel in the recorded request and a replay reproduces the reply.
   */
  readonly snapshot?: SnapshotFacts;
}

/** A connection-level command, answered by the TCP edge (src/node/client-edge.ts). */
export interface EdgeRequest {
  readonly kind: 'edge';
  /** Lower-case command name. */
  readonly name: string;
  readonly args: readonly Buffer[];
}

export type ParseResult = { ok: true; request: ClientRequest | EdgeRequest } | { ok: false; error: string };

export function parseCommand(args: readonly Buffer[], limits: CommandLimits): ParseResult {
  const nameArg = args[0];
  if (nameArg === undefined) return fail('ERR empty command');
  const name = nameArg.toString('latin1').toLowerCase();
  const spec = COMMAND_TABLE.get(name);
  if (spec === undefined) return fail(unknownCommandMessage(args));
  const fewest = Math.abs(spec.arity);
  const most = spec.arity > 0 ? spec.arity : (spec.argsMax ?? Number.POSITIVE_INFINITY);
  if (args.length < fewest || args.length > most) return fail(wrongArity(name));
  return spec.parse(args.slice(1), limits, name);
}

/** Redis's text, including the space after each quoted argument. */
function unknownCommandMessage(args: readonly Buffer[]): string {
  const name = printableBytes(args[0]!, ECHO_BYTES_MAX);
  let shown = '';
  for (const arg of args.slice(1)) {
    if (shown.length >= ECHO_BYTES_MAX) break;
    shown += `'${printableBytes(arg, ECHO_BYTES_MAX - shown.length)}' `;
  }
  return `ERR unknown command '${name}', with args beginning with: ${shown}`;
}
