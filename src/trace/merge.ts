/**
 * Merging the traces of several nodes into one cluster timeline that
 * respects causality: a `net.recv` is placed after the `net.send` that
 * carried its message, whatever the wall clocks say; otherwise records go in
 * wall-clock order, and each node's own records keep their order.
 *
 * Matching: a received message is the same value as the one sent, so a send
 * and a receive match when their messages are structurally equal (which
 * includes from, to, type, term and every index field). Equal messages (two
 * identical heartbeats) match in order: the k-th receive of a value at a node
 * pairs with the k-th send of it. When a message was lost, that pairs a
 * receive with an earlier identical send, a weaker constraint but never a
 * false one.
 */
import type { Message } from '../raft/types.js';
import { canonical, type TraceRecord } from './format.js';
import type { TraceFile } from './reader.js';

export interface MergedRecord {
  readonly record: TraceRecord;
  /** For a net.recv: the send record that carried its message, if it was traced. */
  readonly sentBy: TraceRecord | null;
}

/** One node's records in order: its runs sorted by start time, concatenated. */
function streamsOf(files: readonly TraceFile[]): TraceRecord[][] {
  const byNode = new Map<string, TraceFile[]>();
  for (const file of files) listAt(byNode, file.header.node).push(file);
  return [...byNode.keys()].sort().map((node) =>
    byNode.get(node)!.sort((a, b) => a.header.startMs - b.header.startMs).flatMap((file) => file.records),
  );
}

function listAt<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

function messagesOf(record: TraceRecord): readonly Message[] {
  if (record.event.type === 'net.send') return record.event.messages;
  if (record.event.type === 'net.recv') return [record.event.message];
  return [];
}

/** For each receive record, the send record that carried its message. */
function matchSends(streams: readonly TraceRecord[][]): Map<TraceRecord, TraceRecord> {
  const sends = new Map<string, TraceRecord[]>();
  for (const stream of streams) {
    for (const record of stream) {
      if (record.event.type !== 'net.send') continue;
      for (const message of messagesOf(record)) {
        listAt(sends, canonical(message)).push(record);
      }
    }
  }
  const taken = new Map<string, number>();
  const matched = new Map<TraceRecord, TraceRecord>();
  for (const stream of streams) {
    for (const record of stream) {
      if (record.event.type !== 'net.recv') continue;
      const key = canonical(record.event.message);
      const k = taken.get(key) ?? 0;
      const send = sends.get(key)?.[k];
      if (send === undefined) continue;
      taken.set(key, k + 1);
      matched.set(record, send);
    }
  }
  return matched;
}

/**
 * Repeatedly emits, among the nodes' next records, the earliest by wall time
 * whose send (if any) is already out. If none is ready (clock skew cannot
 * cause this; inconsistent traces can), the earliest goes anyway.
 */
export function mergeTraces(files: readonly TraceFile[]): MergedRecord[] {
  const streams = streamsOf(files);
  const sentBy = matchSends(streams);
  const emitted = new Set<TraceRecord>();
  const heads = streams.map(() => 0);
  const out: MergedRecord[] = [];
  for (;;) {
    let best = -1;
    let fallback = -1;
    for (let s = 0; s < streams.length; s++) {
      const record = streams[s]![heads[s]!];
      if (record === undefined) continue;
      if (fallback < 0 || record.t < streams[fallback]![heads[fallback]!]!.t) fallback = s;
      const send = sentBy.get(record);
      if (send !== undefined && !emitted.has(send)) continue;
      if (best < 0 || record.t < streams[best]![heads[best]!]!.t) best = s;
    }
    const chosen = best >= 0 ? best : fallback;
    if (chosen < 0) return out;
    const record = streams[chosen]![heads[chosen]!++]!;
    emitted.add(record);
    out.push({ record, sentBy: sentBy.get(record) ?? null });
  }
}
