/**
 * The two costs metrics add, measured in this process without a cluster (so
 * a busy machine disturbs them least): the bus tap's CPU time per client
 * write (the events a leader delivers for one SET, fed to the tap directly,
 * and delivered through a MessageBus with the tap attached minus one
 * without), and the CPU time of rendering one /metrics scrape. Imported by
 * bench-metrics.mjs.
 */
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const load = (path) => import(pathToFileURL(resolve(root, 'dist', path)).href);
const { createNodeMetrics } = await load('metrics/definitions.js');
const { BusMetrics } = await load('metrics/bus-metrics.js');
const { ElectionHistory } = await load('metrics/elections.js');
const { renderMetrics } = await load('metrics/scrape.js');
const { PeerTrafficCounters } = await load('transport/traffic.js');
const { MessageBus } = await load('bus/bus.js');

/** The events a leader's bus delivers for write number i (one entry, two followers). */
function eventsOfOneWrite(i) {
  const entry = { index: i, term: 2, type: 1, data: new Uint8Array(280) };
  const append = (to) => ({ type: 'AppendEntries', from: 'n1', to, term: 2, prevLogIndex: i - 1, prevLogTerm: 2, entries: [entry], leaderCommit: i - 1 });
  const ack = (from) => ({ type: 'AppendEntriesResponse', from, to: 'n1', term: 2, success: true, matchIndex: i, conflictIndex: 0, conflictTerm: 0, rejectedIndex: 0 });
  return [
    { type: 'client.request', conn: 1, seq: i, request: { kind: 'write', command: { op: 'set', key: new Uint8Array(8), value: new Uint8Array(256) } } },
    { type: 'raft.propose', proposals: [{ id: i, data: entry.data }] },
    { type: 'raft.ready' },
    { type: 'storage.persist', request: { seq: i, entries: [entry] } },
    { type: 'net.send', messages: [append('n2'), append('n3')] },
    { type: 'raft.outcomes', accepted: [{ id: i, index: i, term: 2 }], refused: [], readsReady: [] },
    { type: 'raft.status', role: 'leader', term: 2, leader: 'n1', commitIndex: i - 1, lastIndex: i },
    { type: 'storage.persisted', seq: i },
    { type: 'net.recv', message: ack('n2') },
    { type: 'net.recv', message: ack('n3') },
    { type: 'raft.ready' },
    { type: 'storage.apply', entries: [entry] },
    { type: 'storage.applied', index: i, results: [{ index: i, term: 2, result: { type: 'ok' } }] },
    { type: 'client.reply', conn: 1, seq: i, reply: { type: 'simple', value: 'OK' } },
  ];
}

function cpuUs() {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export async function measureMicro(writes = 200_000, scrapes = 200) {
  const metrics = createNodeMetrics('n1');
  const tap = new BusMetrics(metrics, new ElectionHistory('n1'));
  const batches = Array.from({ length: 1000 }, (_, i) => eventsOfOneWrite(i + 1));
  const eventsPerWrite = batches[0].length;
  for (let i = 0; i < writes / 10; i++) for (const event of batches[i % 1000]) tap.observe(event); // warm up
  const tapStart = cpuUs();
  for (let i = 0; i < writes; i++) for (const event of batches[i % 1000]) tap.observe(event);
  const tapUsPerWrite = (cpuUs() - tapStart) / writes;
  // Through a bus: every event type already has a handler in a node (the actors'), so give each one here too.
  const deliverAll = (bus) => {
    const start = cpuUs();
    for (let i = 0; i < writes; i++) for (const event of batches[i % 1000]) bus.deliverNow(event);
    return (cpuUs() - start) / writes;
  };
  const buses = [new MessageBus(), new MessageBus()];
  const types = new Set(batches[0].map((event) => event.type));
  for (const bus of buses) for (const type of types) bus.on(type, () => {});
  new BusMetrics(createNodeMetrics('n1'), new ElectionHistory('n1')).attach(buses[0]);
  const busUs = [0, 0];
  for (let round = 0; round < 4; round++) for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) busUs[i] += round === 0 ? 0 : deliverAll(buses[i]);
  const busTapUsPerWrite = (busUs[0] - busUs[1]) / 3;
  const status = { node: 'n1', role: 'leader', term: 2, leader: 'n1', leaderAddress: null, commitIndex: 1, appliedIndex: 1, firstLogIndex: 1, lastLogIndex: 1, snapshotIndex: 0, snapshotSizeBytes: 1024, snapshotKeys: 10, snapshotReceivingChunks: 0, pendingRequests: 0, clientConnections: 50, sessions: 50, peers: [{ id: 'n2', matchIndex: 1, lagEntries: 0 }, { id: 'n3', matchIndex: 1, lagEntries: 0 }], elections: [], uptimeSeconds: 1 };
  const traffic = new PeerTrafficCounters(['n2', 'n3']);
  for (let i = 0; i < 20; i++) await renderMetrics(metrics, status, traffic);
  const scrapeStart = cpuUs();
  const wallStart = performance.now();
  let bytes = 0;
  for (let i = 0; i < scrapes; i++) bytes += (await renderMetrics(metrics, status, traffic)).length;
  return {
    eventsPerWrite,
    tapUsPerWrite,
    busTapUsPerWrite,
    scrapeCpuMs: (cpuUs() - scrapeStart) / scrapes / 1000,
    scrapeWallMs: (performance.now() - wallStart) / scrapes,
    scrapeBytes: Math.round(bytes / scrapes),
  };
}
