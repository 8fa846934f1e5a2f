/**
 * One readable line per event for `trace show`, `merge` and replay reports:
 * every field that decides behaviour, bytes shown as text when printable.
 */
import type { ClusterConfig } from '../raft/membership/config.js';
import type { MembershipChange } from '../raft/membership/change.js';
import { isInput, type BusEvent } from '../bus/events.js';
import type { ClientRequest } from '../protocol/commands.js';
import { queryReply, type Reply } from '../protocol/reply.js';
import type { Entry, Message } from '../raft/types.js';
import { assertNever } from '../util/assert.js';
import type { TraceRecord } from './format.js';

const BYTES_SHOWN_MAX = 40;

export function bytesText(value: Uint8Array | null | undefined): string {
  if (!value) return 'nil';
  const shown = Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, BYTES_SHOWN_MAX));
  const text = /^[\x20-\x7e]*$/.test(shown.toString('latin1')) ? JSON.stringify(shown.toString('latin1')) : `0x${shown.toString('hex')}`;
  return value.byteLength > BYTES_SHOWN_MAX ? `${text}...(${value.byteLength} bytes)` : text;
}

function entries(list: readonly Entry[]): string {
  if (list.length === 0) return 'none';
  const first = list[0]!;
  const last = list.at(-1)!;
  return list.length === 1 ? `${first.index}/t${first.term}` : `${first.index}..${last.index}/t${first.term}..t${last.term} (${list.length})`;
}

export function describeMessage(m: Message): string {
  const head = `${m.type} ${m.from}->${m.to} t${m.term}`;
  switch (m.type) {
    case 'RequestVote':
      return `${head} last=${m.lastLogIndex}/t${m.lastLogTerm}${m.leaderTransfer ? ' leader-transfer' : ''}`;
    case 'PreVote':
      return `${head} last=${m.lastLogIndex}/t${m.lastLogTerm}`;
    case 'PreVoteResponse':
      return `${head} ${m.granted ? 'granted' : 'denied'}`;
    case 'TimeoutNow':
      return head;
    case 'RequestVoteResponse':
      return `${head} ${m.granted ? 'granted' : 'denied'}`;
    case 'AppendEntries':
      return `${head} prev=${m.prevLogIndex}/t${m.prevLogTerm} entries=${entries(m.entries)} commit=${m.leaderCommit}`;
    case 'AppendEntriesResponse':
      return `${head} ${m.success ? `ok match=${m.matchIndex}` : `reject conflict=${m.conflictIndex}/t${m.conflictTerm} at=${m.rejectedIndex}`}`;
    case 'Heartbeat':
      return `${head} commit=${m.commit} round=${m.readRound}`;
    case 'HeartbeatResponse':
      return `${head} round=${m.readRound}`;
    case 'InstallSnapshot':
      return `${head} snapshot=${m.snapshot.index}/t${m.snapshot.term} transfer=${m.transfer} chunk=${m.seq} bytes=${m.data.length}${m.done ? ' last' : ''}`;
    case 'InstallSnapshotResponse':
      return `${head} transfer=${m.transfer} next=${m.next} installed=${m.installed}`;
    default:
      return assertNever(m, 'message');
  }
}

function describeRequest(r: ClientRequest): string {
  switch (r.kind) {
    case 'write':
      return describeFields(r.command as unknown as Record<string, unknown>);
    case 'read': {
      const q = r.query;
      if (q.op === 'get') return `GET ${bytesText(q.key)}`;
      if (q.op === 'exists') return `EXISTS ${q.keys.map(bytesText).join(' ')}`;
      if (q.op === 'keys') return `KEYS ${bytesText(q.pattern)}`;
      if (q.op === 'list') return `LIST ${bytesText(q.prefix)}`;
      return describeFields(q as unknown as Record<string, unknown>);
    }
    default:
      return r.kind.toUpperCase();
  }
}

/** `SET key="k" value="v"`: generic, so new command kinds print without a change here. */
function describeFields(command: Record<string, unknown>): string {
  const fields = Object.entries(command).filter(([name]) => name !== 'op');
  const text = fields.map(([name, value]) => `${name}=${fieldText(value)}`);
  return [String(command['op']).toUpperCase(), ...text].join(' ');
}

function fieldText(value: unknown): string {
  if (value instanceof Uint8Array) return bytesText(value);
  if (Array.isArray(value)) return `[${value.map(fieldText).join(', ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function describeReply(r: Reply): string {
  switch (r.type) {
    case 'simple':
      return `+${r.value}`;
    case 'error':
      return `-${r.message}`;
    case 'int':
      return `:${r.value}`;
    case 'bulk':
      return bytesText(r.value);
    case 'array':
      return `[${r.items.slice(0, 5).map(bytesText).join(', ')}${r.items.length > 5 ? `, ... ${r.items.length} items` : ''}]`;
    case 'list':
    case 'push':
      return r.items === null ? '(nil array)' : `[${r.items.slice(0, 5).map(describeReply).join(', ')}${r.items.length > 5 ? `, ... ${r.items.length} items` : ''}]`;
    case 'map':
      return `{${r.entries.slice(0, 5).map(([k, v]) => `${describeReply(k)}: ${describeReply(v)}`).join(', ')}}`;
    case 'double':
      return r.value;
  }
}

/** The event's details after its type. */
export function describeEvent(e: BusEvent): string {
  switch (e.type) {
    case 'timer.tick':
    case 'raft.ready':
      return '';
    case 'net.recv':
      return describeMessage(e.message);
    case 'net.send':
      return e.messages.map(describeMessage).join(' | ');
    case 'net.disconnected':
      return `from ${e.peer}`;
    case 'client.request':
      return `conn=${e.conn} seq=${e.seq} ${describeRequest(e.request)}`;
    case 'client.reply':
      return `conn=${e.conn} seq=${e.seq} ${describeReply(e.reply)}`;
    case 'client.closed':
      return `conn=${e.conn}`;
    case 'client.abort':
      return e.reason;
    case 'raft.propose':
      return e.proposals.map((p) => `#${p.id}`).join(' ');
    case 'raft.read':
      return `#${e.id}`;
    case 'raft.transferLeader':
      return `#${e.id} to=${e.target ?? 'any'}`;
    case 'raft.handOver':
      return `to=${e.target ?? 'any'}`;
    case 'raft.changeMembership':
      return `#${e.id} ${describeChange(e.change)}`;
    case 'raft.membership':
      return e.config === null ? 'none known' : describeConfig(e.config);
    case 'raft.outcomes':
      return describeOutcomes(e);
    case 'raft.status':
      return `${e.role} t${e.term} leader=${e.leader ?? '-'} commit=${e.commitIndex} last=${e.lastIndex}`;
    case 'storage.persist': {
      const r = e.request;
      const hs = r.hardState ? ` term=${r.hardState.term} vote=${r.hardState.vote ?? '-'}` : '';
      const compact = r.compact ? ` compact<=${r.compact.index}` : '';
      return `seq=${r.seq}${hs}${r.truncateFrom !== undefined ? ` truncate>=${r.truncateFrom}` : ''} entries=${entries(r.entries)}${compact}`;
    }
    case 'storage.snapshotted':
      return `index=${e.index} term=${e.term} (${e.durationMs} ms)`;
    case 'storage.snapshot':
      return e.commands.map((c) => (c.kind === 'stage' ? `stage chunk ${c.message.seq} of transfer ${c.message.transfer}` : `${c.kind} ${c.to} transfer=${c.transfer}${c.kind === 'next' ? ` chunk=${c.seq}` : ''}`)).join(' | ');
    case 'storage.snapshotRead':
      return describeMessage(e.message);
    case 'storage.snapshotStaged':
      return `from ${e.leader} t${e.term} transfer=${e.transfer} next=${e.next}`;
    case 'storage.snapshotInstalled':
      return `from ${e.leader} t${e.term} transfer=${e.transfer} at ${e.snapshot.index}/t${e.snapshot.term}`;
    case 'storage.persisted':
      return `seq=${e.seq}`;
    case 'storage.apply':
      return `entries=${entries(e.entries)}`;
    case 'storage.applied':
      return `index=${e.index} (${e.results.length} entries)`;
    case 'storage.query':
      return `#${e.id} ${e.query.op}`;
    case 'storage.queryResult':
      return `#${e.id} ${describeReply(queryReply(e.result))}`;
    case 'storage.failed':
      return `${e.operation}: ${e.message}`;
    default:
      return assertNever(e, 'event');
  }
}

function describeChange(change: MembershipChange): string {
  return change.kind === 'addLearner' ? `add-learner ${change.member.id} peer=${change.member.peer} client=${change.member.client}` : `${change.kind} ${change.id}`;
}

/** `n1 n2 n3 learners=n4 removed=n0`. */
export function describeConfig(config: ClusterConfig): string {
  const voters = config.members.filter((m) => m.role === 'voter').map((m) => m.id);
  const learners = config.members.filter((m) => m.role === 'learner').map((m) => m.id);
  return `voters=${voters.join(',') || '-'}${learners.length > 0 ? ` learners=${learners.join(',')}` : ''}${config.removed.length > 0 ? ` removed=${config.removed.join(',')}` : ''}`;
}

function describeOutcomes(e: BusEvent & { type: 'raft.outcomes' }): string {
  const parts: string[] = [];
  if (e.accepted.length > 0) parts.push(`accepted ${e.accepted.map((a) => `#${a.id}@${a.index}/t${a.term}`).join(' ')}`);
  if (e.refused.length > 0) parts.push(`refused ${e.refused.map((r) => `#${r.id}(${r.kind}, leader=${r.leader ?? '-'})`).join(' ')}`);
  if (e.readsReady.length > 0) parts.push(`reads ${e.readsReady.map((r) => `#${r.id}@${r.index}`).join(' ')}`);
  if (e.leaderTransfers.length > 0) {
    parts.push(`transfers ${e.leaderTransfers.map((t) => `#${t.id} ${t.outcome === 'transferred' ? `to ${t.target}` : t.code}`).join(' ')}`);
  }
  if (e.membershipChanges.length > 0) {
    parts.push(`membership ${e.membershipChanges.map((c) => `#${c.id} ${c.outcome === 'proposed' ? `@${c.index}/t${c.term}` : c.code}`).join(' ')}`);
  }
  return parts.join('; ');
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** `12:00:01.234 n1 #17  in  net.recv  RequestVote n2->n1 t3 last=0/t0` */
export function describeRecord(r: TraceRecord): string {
  const when = r.vt !== undefined ? `vt=${r.vt.toFixed(3)}` : clock(r.t);
  const details = describeEvent(r.event);
  return `${when} ${r.node} #${r.seq} ${isInput(r.event) ? 'in ' : 'out'} ${r.event.type}${details ? `  ${details}` : ''}`;
}
