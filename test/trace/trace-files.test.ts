import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/bus/events.js';
import { canonical, decodeLine, encodeLine, type TraceRecord } from '../../src/trace/format.js';
import { mergeTraces } from '../../src/trace/merge.js';
import { readTraceFile, readTraceRun } from '../../src/trace/reader.js';
import { TraceRecorder } from '../../src/trace/recorder.js';
import { replayRun } from '../../src/trace/replay.js';
import { describeReplay } from '../../src/trace/report.js';
import { recordFilter } from '../../src/trace/filter.js';
import { MemoryCluster } from './memory-cluster.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'raftkv-trace-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A short recorded run of a 3-node cluster with a few writes: one trace file per node. */
async function recordRun(writes = 5): Promise<MemoryCluster> {
  const cluster = await MemoryCluster.start(dir, ['n1', 'n2', 'n3']);
  const leader = await cluster.leader();
  for (let i = 0; i < writes; i++) await cluster.set(leader, `key${i}`, `value${i}`);
  await cluster.applied(cluster.node(leader).parts.core.view().commitIndex);
  await cluster.stopAll();
  return cluster;
}

describe('the trace format', () => {
  it('round-trips byte fields as {$b64} so a decoded event equals the original', () => {
    const event: BusEvent = { type: 'client.request', conn: 3, seq: 1, request: { kind: 'write', command: { op: 'set', key: Buffer.from('k'), value: new Uint8Array([0, 255, 10]) } } };
    const line = encodeLine({ seq: 1, t: 5, node: 'n1', event });
    expect(line).toContain('{"$b64":"AP8K"}');
    expect(line.endsWith('\n')).toBe(true);
    const back = decodeLine(line.slice(0, -1)) as TraceRecord;
    expect(canonical(back.event)).toBe(canonical(event));
    expect(Buffer.isBuffer((back.event as { request: { command: { value: unknown } } }).request.command.value)).toBe(true);
  });

  it('reads a trace cut off mid-record up to the cut, with a message naming the file and line', async () => {
    const cluster = await recordRun();
    const file = cluster.node('n1').traces[0]!;
    const whole = await readTraceFile(file);
    const size = statSync(file).size;
    truncateSync(file, size - 7); // the last line loses its end and its newline
    const cut = await readTraceFile(file);
    expect(cut.records).toHaveLength(whole.records.length - 1);
    expect(cut.records.at(-1)).toEqual(whole.records.at(-2));
    expect(cut.cut).toContain(`${file}:${whole.records.length + 1}:`);
    expect(cut.cut).toContain('cut off mid-line');
    // A cut-off trace still replays: it is a prefix of the run.
    expect(replayRun(cut.header, cut.records).ok).toBe(true);
  });

  it('refuses a damaged line in the middle of a file', async () => {
    const cluster = await recordRun(1);
    const file = cluster.node('n2').traces[0]!;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[3] = lines[3]!.slice(0, 10);
    writeFileSync(file, lines.join('\n'));
    await expect(readTraceFile(file)).rejects.toMatchObject({ code: 'TRACE_CORRUPT', message: expect.stringContaining(`${file}:4:`) });
  });
});

describe('replay', () => {
  it('reports the divergence at the first output an altered input changes', async () => {
    const cluster = await recordRun();
    const leader = [...cluster.nodes.values()].find((n) => n.parts.core.view().role === 'leader')!;
    const run = await readTraceRun(leader.traces[0]!);
    const at = run.records.findIndex((r) => r.event.type === 'client.request');
    const original = run.records[at]!;
    const event = original.event as Extract<TraceRecord['event'], { type: 'client.request' }>;
    const request = event.request as Extract<typeof event.request, { kind: 'write' }>;
    expect(Buffer.from((request.command as { value: Uint8Array }).value).toString()).toBe('value0');
    // value0 -> valueX, the bytes themselves (a JSON round trip would turn them into a plain object).
    const altered: TraceRecord = { ...original, event: { ...event, request: { ...request, command: { ...request.command, value: Buffer.from('valueX') } as typeof request.command } } };
    expect(canonical(altered)).not.toBe(canonical(original));
    const records = run.records.map((r, i) => (i === at ? altered : r));
    const result = replayRun(run.header, records);
    const proposal = run.records.findIndex((r, i) => i > at && r.event.type === 'raft.propose');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.seq).toBe(run.records[proposal]!.seq);
    expect(result.reason).toContain('proposals[0].data');
    const report = describeReplay(result, records).join('\n');
    expect(report).toContain(`DIVERGENCE at ${leader.id} #${result.seq}`);
    expect(report).toContain(`#${original.seq} in  client.request`); // the altered input is in the context shown
  });

  it('reports a missing output when the recording has one the node does not produce', async () => {
    const cluster = await recordRun(1);
    // The leader's trace: its heartbeats are tick-driven outputs. (A follower's ticks only count
    // between heartbeats, so dropping one of them changes nothing it outputs.)
    const runs = await Promise.all(['n1', 'n2', 'n3'].map((id) => readTraceRun(cluster.node(id).traces[0]!)));
    const becameLeader = (records: (typeof runs)[number]['records']): number =>
      records.findIndex((r) => r.event.type === 'raft.status' && r.event.role === 'leader');
    const run = runs.find((r) => becameLeader(r.records) >= 0)!;
    const tick = run.records.findIndex((r, i) => i > becameLeader(run.records) && r.event.type === 'timer.tick');
    expect(tick).toBeGreaterThan(0);
    const records = run.records.filter((_r, i) => i !== tick);
    // Without that tick the leader's next heartbeat is due a tick later: the recorded one is missing.
    const result = replayRun(run.header, records);
    expect(result.ok).toBe(false);
  });
});

describe('the recorder', () => {
  it('rotates into numbered segments that read back as one run and replay', async () => {
    const cluster = await recordRun();
    const source = await readTraceRun(cluster.node('n1').traces[0]!);
    const path = join(dir, 'rotated.ndjson');
    const recorder = new TraceRecorder({ path, start: source.header, maxBytes: 4096, defer: () => {} });
    for (const r of source.records) recorder.record(r.event, r.seq);
    recorder.close();
    expect(recorder.files().length).toBeGreaterThan(2);
    for (const file of recorder.files()) expect(statSync(file).size).toBeLessThan(4096 + 2048);
    const segment1 = await readTraceFile(join(dir, 'rotated.ndjson.1'));
    expect(segment1.header.kind).toBe('segment');
    expect(segment1.header.firstSeq).toBe(segment1.records[0]!.seq);
    const run = await readTraceRun(path);
    expect(run.records.map((r) => r.seq)).toEqual(source.records.map((r) => r.seq));
    expect(replayRun(run.header, run.records).ok).toBe(true);
  });

  it('never overwrites an existing trace file', () => {
    const path = join(dir, 'n1.ndjson');
    appendFileSync(path, 'earlier run\n');
    expect(() => new TraceRecorder({ path, start: { node: 'n1', pid: 1, startMs: 0, seed: 1, config: {} as never, restored: { hardState: { term: 0, vote: null }, entries: [], appliedIndex: 0 } } })).toThrow(
      expect.objectContaining({ code: 'TRACE_WRITE_FAILED' }),
    );
    expect(readFileSync(path, 'utf8')).toBe('earlier run\n');
  });
});

describe('the flight recorder', () => {
  it('keeps only the last N events and dumps them as a readable trace', async () => {
    const cluster = await MemoryCluster.start(dir, ['n1'], 25);
    for (let i = 0; i < 10; i++) await cluster.set('n1', `k${i}`, 'v');
    const flight = cluster.node('n1').flight;
    const delivered = cluster.node('n1').parts.bus.deliveredCount();
    expect(delivered).toBeGreaterThan(25);
    expect(flight.size()).toBe(25);
    const file = flight.dump(join(dir, 'flight'), 'test');
    await cluster.stopAll();
    const dump = await readTraceFile(file);
    expect(dump.records.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => delivered - 24 + i));
    expect(dump.header).toMatchObject({ kind: 'segment', source: 'flight', reason: 'test', firstSeq: delivered - 24 });
    expect(readdirSync(join(dir, 'flight'))).toHaveLength(1);
    expect(() => replayRun(dump.header, dump.records)).toThrow(expect.objectContaining({ code: 'TRACE_INCOMPLETE' }));
  });
});

describe('merge and filters', () => {
  it('places every received message after the send that carried it', async () => {
    const cluster = await recordRun();
    const runs = await Promise.all([...cluster.nodes.values()].map((n) => readTraceRun(n.traces[0]!)));
    // Skew one node's clock by a minute: wall time alone would put its events first.
    const skewed = runs.map((run) => (run.header.node === 'n2' ? { ...run, records: run.records.map((r) => ({ ...r, t: r.t - 60_000 })) } : run));
    const merged = mergeTraces(skewed);
    expect(merged).toHaveLength(runs.reduce((n, run) => n + run.records.length, 0));
    const position = new Map(merged.map((m, i) => [m.record, i]));
    const recvs = merged.filter((m) => m.record.event.type === 'net.recv');
    expect(recvs.length).toBeGreaterThan(5);
    for (const m of recvs) {
      expect(m.sentBy).not.toBeNull();
      expect(position.get(m.sentBy!)!).toBeLessThan(position.get(m.record)!);
    }
    for (const run of skewed) {
      const own = merged.filter((m) => m.record.node === run.header.node).map((m) => m.record.seq);
      expect(own).toEqual(run.records.map((r) => r.seq));
    }
  });

  it('filters by node, type glob, seq range and key', async () => {
    const cluster = await recordRun(3);
    const leader = [...cluster.nodes.values()].find((n) => n.parts.core.view().role === 'leader')!;
    const run = await readTraceRun(leader.traces[0]!);
    const byType = run.records.filter(recordFilter({ type: 'raft.*' }));
    expect(byType.length).toBeGreaterThan(0);
    expect(byType.every((r) => r.event.type.startsWith('raft.'))).toBe(true);
    const byKey = run.records.filter(recordFilter({ key: 'key1' }));
    // storage.applied names the key in its keyspace events.
    expect(new Set(byKey.map((r) => r.event.type))).toEqual(new Set(['client.request', 'raft.propose', 'storage.persist', 'net.send', 'storage.apply', 'storage.applied']));
    expect(run.records.filter(recordFilter({ from: 5, to: 9 })).map((r) => r.seq)).toEqual([5, 6, 7, 8, 9]);
    expect(run.records.filter(recordFilter({ node: 'nobody' }))).toHaveLength(0);
    expect(existsSync(leader.traces[0]!)).toBe(true);
  });
});
