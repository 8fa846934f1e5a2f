#!/usr/bin/env node
/**
 * Fuzz a real 3-process cluster on both of its ports (`npm run fuzz`; see
 * docs/security.md): hostile client requests (junk bytes, malformed RESP,
 * oversized lengths and lines, unknown commands, wrong arities, floods of
 * pipelined requests) and hostile peer frames (structurally valid Raft
 * messages with lying terms, indexes and entries, plus junk frames), while a
 * probe client writes and reads once every 20 ms. Prints crashes (target 0),
 * each node's peak RSS and the probe's latency; exit code 1 on a crash or a
 * failed probe. Needs the compiled dist (`npm run build`).
 *
 * `--auth` starts the nodes with clientAuth (a default user with a password,
 * and a user limited to some keys), so half the fuzzing connections stay
 * unauthenticated (NOAUTH, Redis's pre-auth bounds) and half authenticate
 * first, and the requests include hostile AUTH, HELLO AUTH and ACL SETUSER
 * lines; `--tls` puts the client ports under TLS (clientTls, certificates
 * from `raftkv certs`, needs openssl). The probe uses both.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Command, InvalidArgumentError } from 'commander';
import fc from 'fast-check';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const load = (path) => import(pathToFileURL(resolve(root, 'dist', path)).href);
const { encodeEnvelope } = await load('transport/codec.js');
const { encodeFrame } = await load('transport/frame.js');
const { collectStatus, leaderOf } = await load('client/status.js');

const count = (value) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('want a whole number');
  return n;
};
const options = new Command('fuzz')
  .description('hostile client requests and peer frames against a 3-process cluster')
  .option('--requests <n>', 'hostile client requests', count, 1_000_000)
  .option('--frames <n>', 'hostile peer frames', count, 100_000)
  .option('--connections <n>', 'client connections sending junk at once', count, 16)
  .option('--seed <n>', 'fast-check seed for the peer frames', count, 1)
  .option('--write-flood', 'every client request is an ordinary pipelined SET of up to 2,000 bytes (the write flood)')
  .option('--auth', 'start the nodes with clientAuth (passwords, a user limited to some keys)')
  .option('--tls', 'start the nodes with clientTls (TLS on the client ports)')
  .option('--json', 'machine-readable summary')
  .parse()
  .opts();

const BIN = resolve(root, 'bin/raftkv.js');
const dir = mkdtempSync(join(tmpdir(), 'raftkv-fuzz-'));

// ------------------------------------------------------------------ cluster

async function freePort() {
  return new Promise((res) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

const members = [];
for (const id of ['n1', 'n2', 'n3']) members.push({ id, peer: `127.0.0.1:${await freePort()}`, client: `127.0.0.1:${await freePort()}` });
const clusterId = `fuzz-${process.pid}`;

// ------------------------------------------------------------------ --auth, --tls

const PASSWORD = randomBytes(18).toString('base64');
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
/**
 * The default user, and `fuzz` limited to keys k* and fz* (NOPERM on the
 * rest). Every fuzz connection comes from 127.0.0.1, so the per-address
 * lockout is set out of reach: it would lock the probe out with the fuzzers.
 */
const clientAuth = options.auth
  ? {
      users: [
        { name: 'default', passwordSha256: sha256(PASSWORD) },
        { name: 'fuzz', passwordSha256: sha256(PASSWORD), keys: ['k*', 'fz*'] },
      ],
      failuresPerAddressMax: 2_000_000_000,
    }
  : null;
let clientTls = null;
let caPem = null;
if (options.tls) {
  const certs = join(dir, 'certs');
  execFileSync(process.execPath, [BIN, 'certs', '--out', certs, '--members', members.map((m) => m.id).join(','), '--client-hosts', '127.0.0.1'], { stdio: 'ignore' });
  clientTls = { certFile: join(certs, 'client-port.crt'), keyFile: join(certs, 'client-port.key') };
  caPem = readFileSync(join(certs, 'ca.crt'));
}
/** How the probe and status reach the nodes. */
const security = { ...(options.auth && { auth: { password: PASSWORD } }), ...(options.tls && { tls: { ca: caPem } }) };
/** A raw client socket to a node's client port, plaintext or TLS as the nodes are. */
function connectClient(clientPort) {
  return options.tls ? tls.connect({ port: clientPort, host: '127.0.0.1', ca: caPem }) : net.connect(clientPort, '127.0.0.1');
}
const connectedEvent = options.tls ? 'secureConnect' : 'connect';

const nodes = members.map((member) => {
  const configPath = join(dir, `${member.id}.json`);
  writeFileSync(configPath, JSON.stringify({ nodeId: member.id, clusterId, dataDir: join(dir, member.id), members, logLevel: 'warn', clientAuth, clientTls }));
  const log = createWriteStream(join(dir, `${member.id}.log`));
  const child = spawn(process.execPath, [BIN, 'server', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const node = { ...member, child, exit: null };
  child.once('exit', (code, signal) => (node.exit = { code, signal }));
  return node;
});
const port = (address) => Number(address.split(':')[1]);

async function waitForLeader(timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const leader = leaderOf(await collectStatus(members.map((m) => m.client), 500, security));
    if (leader !== null) return leader;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no leader elected');
}

// ------------------------------------------------------------------ probe

const probe = { latenciesMs: [], failures: 0, errors: {} };
/** Takes the probe's figures so far and starts afresh (one set per phase). */
function probeFigures() {
  const sorted = [...probe.latenciesMs].sort((a, b) => a - b);
  const figures = {
    requests: sorted.length,
    failures: probe.failures,
    errors: probe.errors,
    p50Ms: Number(percentile(sorted, 0.5)?.toFixed(1)),
    p99Ms: Number(percentile(sorted, 0.99)?.toFixed(1)),
    maxMs: Number(sorted.at(-1)?.toFixed(1)),
  };
  probe.latenciesMs = [];
  probe.failures = 0;
  probe.errors = {};
  return figures;
}
/**
 * The probe runs on its own thread: the flood below keeps this thread's event
 * loop busy building and writing requests, and a probe sharing it would wait
 * for the generator, not for the nodes. Figures arrive as messages.
 */
function runProbe() {
  const worker = new Worker(new URL('./fuzz-probe.mjs', import.meta.url), {
    workerData: { nodes: members.map((m) => m.client), security },
  });
  worker.on('message', (m) => {
    if (m.latencyMs !== undefined) probe.latenciesMs.push(m.latencyMs);
    else {
      probe.failures++;
      probe.errors[m.error] = (probe.errors[m.error] ?? 0) + 1;
    }
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      await new Promise((r) => worker.once('exit', r));
    },
  };
}

// ------------------------------------------------------------------ hostile client requests

const rng = fc.sample(fc.integer(), { numRuns: 1, seed: options.seed })[0];
let state = rng >>> 0 || 1;
const rand = (n) => {
  state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
  return state % n;
};
const junkString = (max) => Array.from({ length: rand(max) }, () => String.fromCharCode(rand(256))).join('');

/** With --auth: hostile authentication and ACL lines (ACL changes only users named fz..., never the probe's). */
function hostileAuthRequest() {
  switch (rand(8)) {
    case 0: return `AUTH ${junkString(20).replace(/\s/g, '')}\r\n`; // a wrong password
    case 1: return `AUTH fuzz${rand(10)} ${junkString(10).replace(/\s/g, '')}\r\n`; // users that do not exist
    case 2: return `HELLO 3 AUTH default ${rand(1e9)} SETNAME ${junkString(8).replace(/\s/g, '')}\r\n`;
    case 3: return `*3\r\n$4\r\nAUTH\r\n$4\r\nfuzz\r\n$${20_000 + rand(1e6)}\r\n`; // a password past the pre-auth bound
    case 4: return `ACL SETUSER fz${rand(50)} ${['on', 'off', '>p', '~k*', '~*', 'allkeys', 'resetkeys', '+@all', '-@all', '+@read', 'nopass', 'reset', '%R~x', junkString(6).replace(/\s/g, '')].filter(() => rand(2)).join(' ')}\r\n`;
    case 5: return `ACL DELUSER fz${rand(50)} fz${rand(50)}\r\n`;
    case 6: return `ACL ${['GETUSER fz1', 'LIST', 'USERS', 'WHOAMI', 'CAT', 'LOG'][rand(6)]}\r\n`;
    default: return `MSET k${rand(100)} v other${rand(100)} v\r\n`; // NOPERM for the fuzz user
  }
}

/** A SET of up to 2,000 bytes: harmless alone, a flood of writes when pipelined by thousands. */
const ordinarySet = () => `SET k${rand(100)} ${'x'.repeat(rand(2000))}\r\n`;

/** One hostile request (or a fragment of one): each kind a parser or a limit has to survive. */
function hostileRequest() {
  if (options.writeFlood) return ordinarySet();
  if (options.auth && rand(4) === 0) return hostileAuthRequest();
  switch (rand(12)) {
    case 0: return `${junkString(40)}\r\n`; // junk bytes as an inline command
    case 1: return `*${rand(1e6)}\r\n$3\r\nGET\r\n`; // an array announcing more than it sends
    case 2: return `*2\r\n$3\r\nGET\r\n$${2 ** 31 + rand(1000)}\r\n`; // a bulk length far past any limit
    case 3: return `*1\r\n$-5\r\n`; // negative length
    case 4: return `FLY${rand(1e6)} to the moon\r\n`; // unknown command
    case 5: return 'GET\r\n'; // wrong arity
    case 6: return ordinarySet(); // ordinary but many
    case 7: return `DEL ${Array.from({ length: 2000 }, (_, i) => `k${i}`).join(' ')}\r\n`; // too many arguments
    case 8: return `KEYS ${'*?['.repeat(rand(30))}\r\n`; // a costly or broken glob
    case 9: return `CAS k v\r\n`; // wrong arity
    case 10: return `SEQ ${rand(1e9)} ${rand(1e9)} SET k v\r\n`; // sessions that do not exist
    default: return `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${rand(10)}\r\n${junkString(12)}\r\n`; // length and payload disagree
  }
}

/** Resolves once the socket drains or closes, leaving no listener behind. */
function drainedOrClosed(socket) {
  return new Promise((r) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      r();
    };
    socket.on('drain', done).on('close', done);
  });
}

async function clientFlood(total, connections) {
  let sent = 0;
  let closedByNode = 0;
  const targets = members.map((m) => port(m.client));
  const worker = async (w) => {
    while (sent < total) {
      const socket = connectClient(targets[w % targets.length]);
      let endedByNode = false;
      socket.on('end', () => (endedByNode = true));
      socket.on('error', () => {});
      socket.resume(); // read (and drop) every reply
      await new Promise((r) => socket.once(connectedEvent, r).once('error', r));
      // With --auth, odd workers authenticate first (as the key-limited user or the default one); even ones never do.
      if (options.auth && w % 2 === 1) socket.write(`AUTH ${w % 4 === 1 ? 'fuzz ' : ''}${PASSWORD}\r\n`);
      // A connection carries requests until the node closes it (malformed RESP does) or 5,000 went out.
      for (let i = 0; i < 5_000 && sent < total && !socket.destroyed; i += 100) {
        let batch = '';
        for (let j = 0; j < 100; j++) batch += hostileRequest();
        sent += 100;
        if (!socket.write(batch)) await drainedOrClosed(socket);
      }
      if (endedByNode || socket.destroyed) closedByNode++;
      socket.destroy();
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
  return { sent, connectionsClosedByNode: closedByNode };
}

// ------------------------------------------------------------------ hostile peer frames

const near = (max) => fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 52, 2 ** 52 + 1, Number.MAX_SAFE_INTEGER, 1e12) },
);
const ids = members.map((m) => m.id);
function messageArbitrary(max) {
  const envelope = { from: fc.constantFrom(...ids), to: fc.constantFrom(...ids), term: near(max) };
  const entry = fc.record({ index: near(max), term: near(max), type: fc.constantFrom(0, 1), data: fc.uint8Array({ maxLength: 16 }) });
  return fc.oneof(
    fc.record({ ...envelope, type: fc.constant('RequestVote'), lastLogIndex: near(max), lastLogTerm: near(max) }),
    fc.record({ ...envelope, type: fc.constant('RequestVoteResponse'), granted: fc.boolean() }),
    fc.record({ ...envelope, type: fc.constant('AppendEntries'), prevLogIndex: near(max), prevLogTerm: near(max), entries: fc.array(entry, { maxLength: 4 }), leaderCommit: near(max) }),
    fc.record({ ...envelope, type: fc.constant('AppendEntriesResponse'), success: fc.boolean(), matchIndex: near(max), conflictIndex: near(max), conflictTerm: near(max), rejectedIndex: near(max) }),
    fc.record({ ...envelope, type: fc.constant('Heartbeat'), commit: near(max), readRound: near(max) }),
    fc.record({ ...envelope, type: fc.constant('HeartbeatResponse'), readRound: near(max) }),
  );
}

async function peerFlood(total) {
  const status = await collectStatus(members.map((m) => m.client), 1_000, security);
  const max = Math.max(3, ...status.filter((r) => r.up).map((r) => Number(r.info.term) + Number(r.info.last_log_index))) + 3;
  const messages = fc.sample(messageArbitrary(max), { numRuns: total, seed: options.seed });
  let sent = 0;
  for (let i = 0; i < messages.length; i += 50) {
    const batch = messages.slice(i, i + 50);
    const target = members[rand(members.length)];
    const frames = batch.map((message) => {
      if (rand(20) === 0) return encodeFrame(Uint8Array.from(junkString(30), (c) => c.charCodeAt(0))); // not msgpack
      return encodeFrame(encodeEnvelope({ clusterId, from: message.from, listen: '127.0.0.1:9', message: { ...message, to: target.id } }));
    });
    const socket = net.connect(port(target.peer), '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r).once('error', r));
    socket.end(Buffer.concat(frames));
    await new Promise((r) => socket.once('close', r));
    sent += batch.length;
  }
  return { sent };
}

// ------------------------------------------------------------------ run

function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

let exitCode = 0;
try {
  await waitForLeader();
  const probing = runProbe();
  while (probe.latenciesMs.length === 0) await new Promise((r) => setTimeout(r, 20));
  // Phase 1: the client ports. Phase 2: the peer ports (plaintext: hostile terms
  // may depose leaders, so the probe also measures how fast the cluster recovers).
  let started = performance.now();
  const clients = await clientFlood(options.requests, options.connections);
  const clientSeconds = (performance.now() - started) / 1000;
  const clientProbe = probeFigures();
  started = performance.now();
  const peers = await peerFlood(options.frames);
  await waitForLeader();
  const peerSeconds = (performance.now() - started) / 1000;
  await probing.stop();
  const peerProbe = probeFigures();
  const crashes = nodes.filter((n) => n.exit !== null).map((n) => ({ node: n.id, ...n.exit }));
  const summary = {
    clientRequests: clients.sent,
    clientSeconds: Math.round(clientSeconds),
    clientConnectionsClosedByNode: clients.connectionsClosedByNode,
    peerFrames: peers.sent,
    auth: Boolean(options.auth),
    tls: Boolean(options.tls),
    peerSeconds: Math.round(peerSeconds),
    crashes,
    peakRssMb: Object.fromEntries(nodes.map((n) => [n.id, peakRssMb(n.child.pid)])),
    probeDuringClientFuzz: clientProbe,
    probeDuringPeerFuzz: peerProbe,
  };
  const line = (p) =>
    `${p.requests} SET+GET, ${p.failures} failed${p.failures > 0 ? ` ${JSON.stringify(p.errors)}` : ''}, p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms, max ${p.maxMs} ms`;
  if (options.json) console.log(JSON.stringify(summary));
  else {
    console.log(`${summary.clientRequests} hostile client requests in ${summary.clientSeconds} s (${summary.clientConnectionsClosedByNode} connections closed by the nodes)`);
    console.log(`${summary.peerFrames} hostile peer frames in ${summary.peerSeconds} s (until a leader again)`);
    console.log(`crashes: ${crashes.length}${crashes.length > 0 ? ` ${JSON.stringify(crashes)}` : ''}`);
    console.log(`peak RSS (MB): ${Object.entries(summary.peakRssMb).map(([id, mb]) => `${id} ${mb}`).join(', ')}`);
    console.log(`probe during the client fuzz: ${line(clientProbe)}`);
    console.log(`probe during the peer fuzz: ${line(peerProbe)}`);
  }
  if (crashes.length > 0 || clientProbe.requests === 0) exitCode = 1;
} catch (error) {
  console.error(`fuzz: ${error.message} (logs in ${dir})`);
  exitCode = 2;
} finally {
  for (const node of nodes) node.child.kill('SIGKILL');
  await Promise.all(nodes.map((n) => (n.exit !== null ? null : new Promise((r) => n.child.once('exit', r)))));
  if (exitCode === 0) rmSync(dir, { recursive: true, force: true });
  else console.error(`node logs kept in ${dir}`);
}
process.exit(exitCode);
