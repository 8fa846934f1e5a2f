#!/usr/bin/env node
// How fast can Node.js and LevelDB go on this machine at all? `npm run bench:floor -- --help`.
//
// Stand-ins that do the least work raftkv's design must do, driven by the same
// closed-loop load as bench:compare (same load generator, same cores), and by
// redis-benchmark's pipelined SET:
//
//   edge        one process that answers +OK to every RESP request it reads:
//               no parsing beyond counting, no disk, no replication. The
//               ceiling for any Node.js server with this load generator.
//   replicated  three processes in raftkv's shape with none of its logic: the
//               leader parses SETs and sends what it read in one event-loop
//               turn to both followers at once, one write each, while it
//               writes the same entries to its LevelDB log (synced; one write
//               at a time, what arrives meanwhile going down together). A
//               follower does the same with what it receives, acknowledges,
//               and applies it (unsynced). The leader replies once its own
//               write and one follower's are durable and the entries are
//               applied to its LevelDB state. No terms, elections, sessions,
//               checks, bus, msgpack or metrics.
//   replicated, file log
//               the same with each node's log in an append-only file
//               (write, then fdatasync) instead of LevelDB: what LevelDB
//               itself costs.
//
// The figures bound what raftkv can reach here: every write it serves costs at
// least what the replicated stand-in spends on one.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run bench:floor -- [options]
  --clients LIST    closed-loop SET client counts (default 1,64,256)
  --runs N          fresh starts per stand-in; figures are medians (default 3)
  --duration S      measured seconds per load (default 8)
  --warmup S        unmeasured seconds before each load (default 1)`;

const ROLE = process.env.RAFTKV_FLOOR_ROLE;
if (ROLE === 'edge') await edgeServer();
else if (ROLE === 'follower') await followerServer();
else if (ROLE === 'leader') await leaderServer();
else await main();

// ---------------------------------------------------------------- the stand-ins

/** Answers +OK to each RESP array it reads (counts the '*' that start one). */
async function edgeServer() {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk) => {
      let requests = 0;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 42 && (i === 0 || chunk[i - 1] === 10)) requests++;
      if (requests > 0) socket.write(requests === 1 ? '+OK\r\n' : '+OK\r\n'.repeat(requests));
    });
    socket.on('error', () => socket.destroy());
  });
  await listen(server);
}

/** Frames on the peer link: [u32 length][u32 count] then per entry [u32 key length][key][u32 value length][value]. */
function encodeBatch(entries) {
  let bytes = 8;
  for (const e of entries) bytes += 8 + e.key.length + e.value.length;
  const frame = Buffer.allocUnsafe(bytes);
  frame.writeUInt32BE(bytes - 4, 0);
  frame.writeUInt32BE(entries.length, 4);
  let at = 8;
  for (const e of entries) {
    frame.writeUInt32BE(e.key.length, at);
    e.key.copy(frame, at + 4);
    at += 4 + e.key.length;
    frame.writeUInt32BE(e.value.length, at);
    e.value.copy(frame, at + 4);
    at += 4 + e.value.length;
  }
  return frame;
}

function decodeBatch(body) {
  const count = body.readUInt32BE(0);
  const entries = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const keyLength = body.readUInt32BE(at);
    const key = body.subarray(at + 4, at + 4 + keyLength);
    at += 4 + keyLength;
    const valueLength = body.readUInt32BE(at);
    const value = body.subarray(at + 4, at + 4 + valueLength);
    at += 4 + valueLength;
    entries.push({ key, value });
  }
  return entries;
}

/** Splits a byte stream into length-prefixed frames. */
function framer(onFrame) {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    let at = 0;
    while (buffered.length - at >= 4) {
      const length = buffered.readUInt32BE(at);
      if (buffered.length - at - 4 < length) break;
      onFrame(buffered.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    buffered = buffered.subarray(at);
  };
}

/**
 * A stand-in node's storage: the log (synced) and the state (unsynced), both
 * in one LevelDB as in raftkv, or the log in an append-only file
 * (RAFTKV_FLOOR_LOG=file) to tell LevelDB's cost from Node's.
 */
async function openStorage(dir) {
  const { ClassicLevel } = await import('classic-level');
  mkdirSync(dir, { recursive: true });
  const db = new ClassicLevel(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  const logFile = process.env.RAFTKV_FLOOR_LOG === 'file' ? await open(join(dir, 'log'), 'a') : null;
  let nextIndex = 1;
  const record = (e) => {
    const value = Buffer.allocUnsafe(4 + e.key.length + e.value.length);
    value.writeUInt32BE(e.key.length, 0);
    e.key.copy(value, 4);
    e.value.copy(value, 4 + e.key.length);
    return value;
  };
  return {
    /** One synced write of the entries, keyed by a big-endian index. */
    async append(entries) {
      if (logFile !== null) {
        await logFile.write(Buffer.concat(entries.map(record)));
        await logFile.datasync();
        return;
      }
      const batch = db.batch();
      for (const e of entries) {
        const key = Buffer.allocUnsafe(12);
        key.write('log!', 0, 'latin1');
        key.writeUInt32BE(0, 4);
        key.writeUInt32BE(nextIndex++, 8);
        batch.put(key, record(e));
      }
      await batch.write({ sync: true });
    },
    /** One unsynced batch of the entries' keys and values. */
    apply(entries) {
      const batch = db.batch();
      for (const e of entries) batch.put(Buffer.concat([KV_PREFIX, e.key]), e.value);
      return batch.write();
    },
  };
}
const KV_PREFIX = Buffer.from('kv!');
const NOTHING = Buffer.alloc(0);

async function followerServer() {
  const log = await openStorage(process.env.RAFTKV_FLOOR_DIR);
  const server = net.createServer({ noDelay: true }, (socket) => {
    // Group commit, as raftkv's Persistence actor: one log write at a time; what arrives meanwhile goes down together.
    let queued = [];
    let writing = false;
    const writeNext = async () => {
      if (writing || queued.length === 0) return;
      writing = true;
      const entries = queued;
      queued = [];
      await log.append(entries);
      // Acknowledges how many more entries are durable.
      const ack = Buffer.allocUnsafe(8);
      ack.writeUInt32BE(4, 0);
      ack.writeUInt32BE(entries.length, 4);
      socket.write(ack);
      await log.apply(entries);
      writing = false;
      void writeNext();
    };
    socket.on(
      'data',
      framer((body) => {
        for (const entry of decodeBatch(Buffer.from(body))) queued.push(entry);
        void writeNext();
      }),
    );
    socket.on('error', () => socket.destroy());
  });
  await listen(server);
}

/**
 * Parses RESP arrays of bulk strings (what redis clients send) from a
 * connection's stream; calls onRequest(args) for each complete one.
 */
function respParser(onRequest) {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    let at = 0;
    for (;;) {
      const parsed = parseArray(buffered, at);
      if (parsed === null) break;
      onRequest(parsed.args);
      at = parsed.end;
    }
    buffered = buffered.subarray(at);
  };
}

function parseArray(buf, start) {
  const line = buf.indexOf(13, start);
  if (line < 0 || buf[start] !== 42) return null;
  const count = Number(buf.latin1Slice(start + 1, line));
  let at = line + 2;
  const args = [];
  for (let i = 0; i < count; i++) {
    const end = buf.indexOf(13, at);
    if (end < 0) return null;
    const length = Number(buf.latin1Slice(at + 1, end));
    if (buf.length < end + 2 + length + 2) return null;
    args.push(buf.subarray(end + 2, end + 2 + length));
    at = end + 2 + length + 2;
  }
  return { args, end: at };
}

async function leaderServer() {
  const log = await openStorage(process.env.RAFTKV_FLOOR_DIR);
  const followers = await Promise.all(
    process.env.RAFTKV_FLOOR_FOLLOWERS.split(',').map(
      (port) =>
        new Promise((resolve, reject) => {
          const socket = net.connect({ host: '127.0.0.1', port: Number(port), noDelay: true }, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  // The log, as positions: requests count in arrival order from 1; those from
  // applied + 1 on wait for their replies, in order.
  const unanswered = [];
  let durable = 0; // written to this node's log, synced
  const acked = followers.map(() => 0); // durable on each follower
  let applied = 0;
  let turn = []; // read in this event-loop turn, not yet sent
  let unwritten = []; // sent, not yet in a log write
  let writing = false;
  let applying = false;
  followers.forEach((socket, f) =>
    socket.on(
      'data',
      framer((body) => {
        acked[f] += body.readUInt32BE(0);
        settle();
      }),
    ),
  );
  // Once per turn: what was read goes to both followers at once, and into this node's next log write.
  const send = () => {
    const entries = turn;
    turn = [];
    const frame = encodeBatch(entries);
    for (const socket of followers) socket.write(frame);
    for (const e of entries) unwritten.push(e);
    writeNext();
  };
  // Group commit: one log write at a time; what is sent meanwhile goes down together.
  const writeNext = () => {
    if (writing || unwritten.length === 0) return;
    writing = true;
    const entries = unwritten;
    unwritten = [];
    void log.append(entries).then(() => {
      writing = false;
      durable += entries.length;
      settle();
      writeNext();
    });
  };
  // Committed: on this node and one follower. Applied in order, one batch at a time, then answered.
  function settle() {
    const committed = Math.min(durable, Math.max(...acked));
    if (applying || committed <= applied) return;
    applying = true;
    const answered = unanswered.splice(0, committed - applied);
    void log.apply(answered).then(() => {
      applied = committed;
      applying = false;
      // One write per connection for the batch's replies.
      const replies = new Map();
      for (const r of answered) replies.set(r.socket, (replies.get(r.socket) ?? 0) + 1);
      for (const [socket, n] of replies) if (!socket.destroyed) socket.write(n === 1 ? '+OK\r\n' : '+OK\r\n'.repeat(n));
      settle();
    });
  }
  let scheduled = false;
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on(
      'data',
      respParser((args) => {
        // Every request is a SET of its second and third arguments (redis-benchmark's CONFIG GET at start included).
        const request = { socket, key: Buffer.from(args[1] ?? NOTHING), value: Buffer.from(args[2] ?? NOTHING) };
        unanswered.push(request);
        turn.push(request);
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            send();
          });
        }
      }),
    );
    socket.on('error', () => socket.destroy());
  });
  await listen(server);
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send({ port: server.address().port });
}

// ---------------------------------------------------------------- the driver

async function main() {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1,64,256' },
      runs: { type: 'string', default: '3' },
      duration: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const number = (name, text, min) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) {
      console.error(`bench:floor: --${name} must be a number of at least ${min}, got ${JSON.stringify(text)}\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const clientCounts = values.clients.split(',').map((c) => Math.round(number('clients', c, 1)));
  const runs = Math.round(number('runs', values.runs, 1));
  const durationS = number('duration', values.duration, 0.1);
  const warmupS = number('warmup', values.warmup, 0);
  const { ensureDebianPackages } = await import('./debian-packages.mjs');
  ensureDebianPackages('bench:floor', { 'redis-benchmark': 'redis-tools' });
  const { RespTarget } = await import('../dist/bench/clusters/resp.js');
  const { runLoad } = await import('../dist/bench/compare/load.js');
  const { runPipelinedSet, PIPELINED_DEFAULT } = await import('../dist/bench/compare/pipelined.js');
  const { median } = await import('../dist/bench/compare/report.js');
  console.log(`bench:floor on ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`);
  console.log('load generator in this process; 256-byte values; closed loop, one request in flight per client');
  const rows = [];
  const pipelinedRows = [];
  for (const standIn of ['edge', 'replicated', 'replicated, file log']) {
    for (const clients of clientCounts) {
      const figures = [];
      for (let run = 0; run < runs; run++) {
        const started = await startStandIn(standIn);
        try {
          const f = await runLoad(new RespTarget('127.0.0.1', started.port), { workload: 'set', connections: clients, warmupS, durationS, keyspace: 10_000, valueBytes: 256 }, started.pids);
          const errors = Object.keys(f.errors).length;
          if (errors > 0) throw new Error(`${standIn} at ${clients} clients answered errors: ${JSON.stringify(f.errors)}`);
          figures.push(f);
          console.log(`  ${standIn}, ${clients} clients, run ${run + 1}: ${Math.round(f.opsPerSecond)}/s, p50 ${f.p50Ms.toFixed(2)} ms, server CPU ${((f.serverCpuS / f.ops) * 1e6).toFixed(1)} us/write`);
        } finally {
          await started.stop();
        }
      }
      rows.push({ standIn, clients, figures });
    }
    const pipelined = [];
    for (let run = 0; run < runs; run++) {
      const started = await startStandIn(standIn);
      try {
        pipelined.push(await runPipelinedSet(started.port, { ...PIPELINED_DEFAULT, requests: 400_000 }));
        console.log(`  ${standIn}, redis-benchmark SET -c 50 -P 16, run ${run + 1}: ${Math.round(pipelined.at(-1))}/s`);
      } finally {
        await started.stop();
      }
    }
    pipelinedRows.push({ standIn, pipelined });
  }
  console.log('\nMedians over runs:\n');
  console.log('| stand-in | clients | writes/s | p50 | server CPU per write | load generator CPU per write |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const { standIn, clients, figures } of rows) {
    const m = (pick) => median(figures.map(pick));
    console.log(
      `| ${standIn} | ${clients} | ${Math.round(m((f) => f.opsPerSecond)).toLocaleString('en-US')} | ${m((f) => f.p50Ms).toFixed(2)} ms | ${m((f) => (f.serverCpuS / f.ops) * 1e6).toFixed(1)} us | ${m((f) => (f.clientCpuS / f.ops) * 1e6).toFixed(1)} us |`,
    );
  }
  console.log('\n| stand-in | redis-benchmark SET -c 50 -P 16 (400,000 requests) |');
  console.log('| --- | --- |');
  for (const { standIn, pipelined } of pipelinedRows) console.log(`| ${standIn} | ${Math.round(median(pipelined)).toLocaleString('en-US')}/s |`);
}

/** Starts a stand-in as child processes of this script; resolves once it listens. */
async function startStandIn(standIn) {
  const dir = mkdtempSync(join(os.tmpdir(), 'raftkv-floor-'));
  const children = [];
  const spawn = (role, env) => {
    const child = fork(new URL(import.meta.url).pathname, [], { env: { ...process.env, RAFTKV_FLOOR_ROLE: role, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.once('message', (m) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`bench:floor: the ${role} process exited (${code}) before listening`)));
    });
  };
  const stop = async () => {
    await Promise.all(
      children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve).kill('SIGKILL')) : undefined)),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let port;
    if (standIn === 'edge') port = await spawn('edge', {});
    else {
      const log = standIn === 'replicated' ? 'leveldb' : 'file';
      const followerPorts = await Promise.all([1, 2].map((n) => spawn('follower', { RAFTKV_FLOOR_DIR: join(dir, `f${n}`), RAFTKV_FLOOR_LOG: log })));
      port = await spawn('leader', { RAFTKV_FLOOR_DIR: join(dir, 'leader'), RAFTKV_FLOOR_FOLLOWERS: followerPorts.join(','), RAFTKV_FLOOR_LOG: log });
    }
    return { port, pids: children.map((c) => c.pid), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
