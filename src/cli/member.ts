/**
 * `raftkv member list | add-learner ID --peer H:P --client H:P | promote ID |
 * remove ID`: the cluster's membership, changed one member at a time through
 * the leader (CLUSTER MEMBER ..., so redis-cli can do the same). A change is
 * answered once its configuration entry is applied; every refusal comes back
 * as the server's error (NOT_LEADER is followed to the leader by the client).
 *
 * Replacing a member is three steps: add the new node as a learner (started
 * with `join: true`), promote it once it has caught up, remove the old one.
 */
import { RaftkvClient } from '../client/client.js';
import type { Reply } from '../client/reply.js';
import { println, type CliIo } from './io.js';

export type MemberAction =
  | { readonly kind: 'list' }
  | { readonly kind: 'add-learner'; readonly id: string; readonly peer: string; readonly client: string }
  | { readonly kind: 'promote'; readonly id: string }
  | { readonly kind: 'remove'; readonly id: string };

export interface MemberOptions {
  readonly nodes: readonly string[];
  readonly json?: boolean;
}

/** A change waits for its entry to commit: a little longer than a request. */
const CHANGE_DEADLINE_MS = 15_000;

export async function memberCommand(action: MemberAction, options: MemberOptions, io: CliIo): Promise<void> {
  const client = new RaftkvClient({ nodes: options.nodes, session: false, deadlineMs: CHANGE_DEADLINE_MS });
  try {
    if (action.kind === 'list') {
      // Asked of the leader: its configuration is the newest (a removed node never hears of its removal).
      const leader = new RaftkvClient({ nodes: [await client.findLeader()], session: false, deadlineMs: CHANGE_DEADLINE_MS });
      try {
        printMembers(await leader.command(['CLUSTER', 'MEMBER', 'LIST'], 'read'), options.json === true, io);
      } finally {
        await leader.close();
      }
      return;
    }
    // Not retried once sent: the client never resends a write whose outcome it does not know.
    const args = action.kind === 'add-learner' ? ['ADD-LEARNER', action.id, action.peer, action.client] : [action.kind.toUpperCase(), action.id];
    await client.command(['CLUSTER', 'MEMBER', ...args], 'write');
    println(io.stdout, `${describe(action)}: done`);
  } finally {
    await client.close();
  }
}

function describe(action: Exclude<MemberAction, { kind: 'list' }>): string {
  switch (action.kind) {
    case 'add-learner':
      return `added ${action.id} as a learner (peer ${action.peer}, client ${action.client})`;
    case 'promote':
      return `promoted ${action.id} to voter`;
    case 'remove':
      return `removed ${action.id}`;
  }
}

interface MemberRow {
  readonly id: string;
  readonly role: string;
  readonly peer: string;
  readonly client: string;
  readonly leader: boolean;
}

function printMembers(reply: Reply, json: boolean, io: CliIo): void {
  const rows = parseMembers(reply);
  if (json) {
    println(io.stdout, JSON.stringify(rows));
    return;
  }
  const header = ['ID', 'ROLE', 'PEER', 'CLIENT', 'LEADER'];
  const table = [header, ...rows.map((r) => [r.id, r.role, r.peer, r.client, r.leader ? 'yes' : ''])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) println(io.stdout, row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** CLUSTER MEMBER LIST: an array of [id, role, peer, client, leader|-]. */
export function parseMembers(reply: Reply): MemberRow[] {
  if (reply.type !== 'array' || reply.value === null) throw new Error(`CLUSTER MEMBER LIST answered ${reply.type}, not an array`);
  return reply.value.map((item) => {
    const fields = item.type === 'array' && item.value !== null ? item.value.map((f) => (f.type === 'bulk' && f.value !== null ? f.value.toString('utf8') : '')) : [];
    if (fields.length !== 5) throw new Error('CLUSTER MEMBER LIST answered a row that is not [id, role, peer, client, leader]');
    return { id: fields[0]!, role: fields[1]!, peer: fields[2]!, client: fields[3]!, leader: fields[4] === 'leader' };
  });
}
