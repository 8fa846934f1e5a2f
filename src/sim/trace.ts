/**
 * What a run remembers of its delivered events: the last few per node (the
 * flight recorder printed with a violation) and, optionally, a running hash of
 * every one (the determinism test compares two runs of a seed by it).
 */
import type { BusEvent } from '../bus/events.js';
import type { Message } from '../raft/types.js';

export interface TracedEvent {
  readonly time: number;
  readonly node: string;
  /** Delivery number within the whole run. */
  readonly step: number;
  readonly event: BusEvent;
}

const RECENT_MAX = 24;

export class TraceRecorder {
  private readonly recent = new Map<string, TracedEvent[]>();
  private hashValue = 0x811c9dc5;
  steps = 0;

  constructor(private readonly hashing: boolean) {}

  record(time: number, node: string, event: BusEvent): void {
    const step = ++this.steps;
    let list = this.recent.get(node);
    if (!list) this.recent.set(node, (list = []));
    list.push({ time, node, step, event });
    if (list.length > RECENT_MAX * 2) list.splice(0, list.length - RECENT_MAX);
    if (this.hashing) this.mix(`${time}|${node}|${describeEvent(event)}`);
  }

  /** FNV-1a over every recorded event, as 8 hex digits. */
  hash(): string {
    return (this.hashValue >>> 0).toString(16).padStart(8, '0');
  }

  /** The last `count` events of each node, as printable lines. */
  lastEvents(count = 12): string[] {
    const lines: string[] = [];
    for (const node of [...this.recent.keys()].sort()) {
      lines.push(`  ${node}:`);
      for (const t of this.recent.get(node)!.slice(-count)) {
        lines.push(`    #${t.step} t=${t.time.toFixed(3)}ms ${describeEvent(t.event)}`);
      }
    }
    return lines;
  }

  private mix(text: string): void {
    let h = this.hashValue;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    this.hashValue = h;
  }
}

function bytes(value: Uint8Array | null | undefined): string {
  return value ? Buffer.from(value).toString('latin1') : 'nil';
}

export function describeMessage(m: Message): string {
  const head = `${m.type} ${m.from}->${m.to} t${m.term}`;
  switch (m.type) {
    case 'RequestVote':
      return `${head} last=${m.lastLogIndex}/${m.lastLogTerm}${m.leaderTransfer ? ' leader-transfer' : ''}`;
    case 'PreVote':
      return `${head} last=${m.lastLogIndex}/${m.lastLogTerm}`;
    case 'PreVoteResponse':
      return `${head} ${m.granted ? 'granted' : 'denied'}`;
    case 'TimeoutNow':
      return head;
    case 'RequestVoteResponse':
      return `${head} ${m.granted ? 'granted' : 'denied'}`;
    case 'AppendEntries':
      return `${head} prev=${m.prevLogIndex}/${m.prevLogTerm} n=${m.entries.length}${m.entries.length ? `(${m.entries[0]!.index}..${m.entries.at(-1)!.index} t${m.entries.at(-1)!.term})` : ''} commit=${m.leaderCommit}`;
    case 'AppendEntriesResponse':
      return `${head} ${m.success ? `ok match=${m.matchIndex}` : `reject conflict=${m.conflictIndex}/${m.conflictTerm} at=${m.rejectedIndex}`}`;
    case 'Heartbeat':
      return `${head} commit=${m.commit} round=${m.readRound}`;
    case 'HeartbeatResponse':
      return `${head} round=${m.readRound}`;
    case 'InstallSnapshot':
      return `${head} snap=${m.snapshot.index}/${m.snapshot.term} transfer=${m.transfer} seq=${m.seq} bytes=${m.data.length}${m.done ? ' done' : ''}`;
    case 'InstallSnapshotResponse':
      return `${head} transfer=${m.transfer} next=${m.next} installed=${m.installed}`;
  }
}

/** One line per event, with every field that decides behaviour. */
export function describeEvent(e: BusEvent): string {
  switch (e.type) {
    case 'net.recv':
      return `recv ${describeMessage(e.message)}`;
    case 'net.send':
      return `send [${e.messages.map(describeMessage).join('; ')}]`;
    case 'client.request': {
      const r = e.request;
      const what = r.kind === 'write' ? JSON.stringify(r.command, (_k, v: unknown) => (v instanceof Uint8Array ? bytes(v) : v)) : r.kind === 'read' ? JSON.stringify(r.query, (_k, v: unknown) => (v instanceof Uint8Array ? bytes(v) : v)) : r.kind;
      return `client.request conn=${e.conn} seq=${e.seq} ${what}`;
    }
    case 'client.reply': {
      const r = e.reply;
      const what = r.type === 'bulk' ? bytes(r.value) : r.type === 'array' ? `[${r.items.length}]` : r.type === 'error' ? r.message : r.type === 'simple' || r.type === 'int' ? String(r.value) : '';
      return `client.reply conn=${e.conn} seq=${e.seq} ${r.type} ${what}`;
    }
    case 'storage.persist':
      return `storage.persist seq=${e.request.seq} hs=${JSON.stringify(e.request.hardState ?? null)} trunc=${e.request.truncateFrom ?? '-'} entries=${e.request.entries.map((x) => `${x.index}/${x.term}`).join(',')}`;
    case 'storage.apply':
      return `storage.apply ${e.entries.map((x) => `${x.index}/${x.term}`).join(',')}`;
    case 'storage.applied':
      return `storage.applied ${e.index}`;
    case 'raft.outcomes':
      return `raft.outcomes ${JSON.stringify({ a: e.accepted, r: e.refused, rr: e.readsReady, t: e.leaderTransfers })}`;
    case 'raft.status':
      return `raft.status ${e.role} t${e.term} leader=${e.leader} commit=${e.commitIndex} last=${e.lastIndex}`;
    case 'raft.propose':
      return `raft.propose ${e.proposals.map((p) => p.id).join(',')}`;
    case 'storage.queryResult':
      return `storage.queryResult ${e.id} ${JSON.stringify(e.result, (_k, v: unknown) => (v instanceof Uint8Array ? bytes(v) : v))}`;
    default:
      return JSON.stringify(e, (_k, v: unknown) => (v instanceof Uint8Array ? bytes(v) : v));
  }
}
