/**
 * A real raftkv node: LevelDB on disk, TCP between nodes and to clients, the
 * system clock. startNode() opens everything, starts the actors and returns
 * a handle whose stop() shuts down in order (stop accepting, fail what is in
 * flight, finish disk writes, close LevelDB).
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock } from '../actors/timer.js';
import { immediateScheduler } from '../bus/bus.js';
import { parseHostPort } from '../config/address.js';
import type { NodeConfig } from '../config/types.js';
import { createLogger } from '../log/logger.js';
import { RateLimitedWarn } from '../log/rate-limited.js';
import type { CoreWarning } from '../raft/ready.js';
import { logRaftEvents } from '../log/raft-events.js';
import type { RestoredState } from '../raft/core.js';
import type { Role } from '../raft/ready.js';
import type { StoredSession } from '../kv/sessions.js';
import type { NodeStorage } from '../storage/interfaces.js';
import { StorageError } from '../storage/errors.js';
import { logRestartFor } from '../storage/reconcile.js';
import type { LogIndex, SnapshotMeta } from '../raft/types.js';
import { bootstrapConfig, type ClusterConfig } from '../raft/membership/config.js';
import { openDiskStorage } from '../storage/open.js';
import { TcpTransport } from '../transport/tcp.js';
import { loadPeerTls } from '../transport/tls.js';
import { attachNodeRecorders, type FlightSettings, type NodeRecorders, type TraceSettings } from '../trace/node-recorders.js';
import { attachObserver, startNodeHttp, type NodeObserver } from '../http/node-http.js';
import type { HttpEndpoint } from '../http/server.js';
import { assembleNode, type NodeParts } from './assemble.js';
import { ClientServer } from './client-server.js';
import { ClientAuth } from './client-auth.js';
import { loadClientTls } from './client-tls.js';
import type { TlsOptions } from 'node:tls';
import { claimDataDir } from './data-identity.js';
import { listenFailed } from './errors.js';
import { drainRequests, handOverLeadership } from './graceful-stop.js';

export interface StartNodeOptions {
  readonly logger?: Logger;
  /** Seed for election-timeout randomness; random when absent (it is logged). */
  readonly seed?: number;
  /** Called when the node cannot go on (a disk failure); the default exits the process. */
  readonly onFatal?: (error: Error) => void;
  /** Record every delivered event to a trace file (src/trace). */
  readonly trace?: TraceSettings;
  /** The always-on flight recorder's size and dump directory. */
  readonly flight?: FlightSettings;
}

export interface NodeStatus {
  readonly id: string;
  readonly role: Role;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastLogIndex: number;
}

export interface RunningNode {
  readonly id: string;
  status(): NodeStatus;
  /** The bound client address (useful when the config asked for port 0). */
  clientAddress(): { host: string; port: number };
  /** Stops accepting, fails in-flight requests, closes connections and LevelDB. */
  stop(): Promise<void>;
  /** Writes the flight recorder's last events to a new trace file; returns its path. */
  flightDump(reason: string): string;
  /** The trace's first file, or null when not tracing. */
  tracePath(): string | null;
  /** The bound HTTP address, or null when `httpAddress` is not configured. */
  httpAddress(): { host: string; port: number } | null;
}

export async function startNode(config: NodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  let parts: NodeParts | null = null;
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, nodeId: config.nodeId, status: () => statusOf(parts) });
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  // Files the client edge needs are read first: a bad one stops the node before it touches its data.
  const clientAuth = ClientAuth.load(config.clientAuth, logger);
  const clientTls = config.clientTls ? loadClientTls(config.clientTls) : undefined;
  const storage = await openDiskStorage(config.dataDir);
  try {
    claimDataDir(config.dataDir, { clusterId: config.clusterId, nodeId: config.nodeId });
    const loaded = await loadState(storage, config);
    const transport = peerTransport(config, logger);
    parts = assembleRealNode(config, storage, logger, seed, loaded, transport);
    const recorders = attachRecorders(config, parts, loaded, seed, options, logger);
    const observer = attachObserver(config, parts, transport);
    return await runNode(config, storage, parts, logger, options, recorders, observer, { auth: clientAuth, ...(clientTls && { tls: clientTls }) });
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** What the node restarts from; a trace's header records it so replay can start from the same point. */
interface LoadedState {
  readonly restored: RestoredState;
  readonly sessions: readonly StoredSession[];
  readonly snapshot: SnapshotMeta | null;
}

async function loadState(storage: NodeStorage, config: NodeConfig): Promise<LoadedState> {
  const [loadedRaft, appliedIndex, sessions, snapshot] = await Promise.all([
    storage.raft.load(),
    storage.kv.appliedIndex(),
    storage.kv.loadSessions(),
    storage.kv.loadSnapshot(),
  ]);
  const restart = logRestartFor(loadedRaft, snapshot);
  if (restart !== null) await storage.raft.write(restart);
  const raftState = restart === null ? loadedRaft : await storage.raft.load();
  const { hardState, logStart, entries } = raftState;
  checkLoaded(logStart.index, entries.at(-1)?.index ?? logStart.index, appliedIndex, snapshot);
  return { restored: { hardState, logStart, entries, appliedIndex, config: baseConfig(config, snapshot) }, sessions, snapshot };
}

/**
 * The configuration at the log's start: the snapshot's; else, for a node that
 * joins, none (it learns it from the cluster); else the config files' members
 * (a new cluster, or one from before configurations were logged). Any
 * configuration entry in the log overrides it.
 */
function baseConfig(config: NodeConfig, snapshot: SnapshotMeta | null): ClusterConfig | null {
  if (snapshot?.config !== undefined) return snapshot.config;
  return config.join === true ? null : bootstrapConfig(config.members);
}

/** What is on disk is input: the log and the state machine must fit together, or the node refuses to start. */
function checkLoaded(start: LogIndex, last: LogIndex, applied: LogIndex, snapshot: SnapshotMeta | null): void {
  const problem =
    applied < start ? `the log was compacted up to index ${start} but the state machine has applied only ${applied}`
    : applied > last ? `the state machine has applied index ${applied} but the log ends at ${last}`
    : snapshot !== null && snapshot.index > applied ? `the snapshot at index ${snapshot.index} is ahead of the applied index ${applied}`
    : null;
  if (problem !== null) throw new StorageError('STORAGE_CORRUPT', `data directory does not hold a consistent node: ${problem}`);
}

function attachRecorders(config: NodeConfig, parts: NodeParts, loaded: LoadedState, seed: number, options: StartNodeOptions, logger: Logger): NodeRecorders {
  const recorders = attachNodeRecorders({
    bus: parts.bus,
    config,
    ...loaded,
    seed,
    ...(options.trace && { trace: options.trace }),
    ...(options.flight && { flight: options.flight }),
    onTraceError: (error) => logger.error({ code: error.code, err: error.message }, 'tracing stopped'),
  });
  if (recorders.tracePath !== null) logger.info({ trace: recorders.tracePath, seed }, 'tracing every delivered event');
  return recorders;
}

/** The node's peer transport; the metrics read its per-peer traffic too. */
function peerTransport(config: NodeConfig, logger: Logger): TcpTransport {
  const self = config.members.find((member) => member.id === config.nodeId)!;
  return new TcpTransport({
    self: config.nodeId,
    clusterId: config.clusterId,
    listen: parseHostPort(self.peer),
    peers: config.members
      .filter((member) => member.id !== config.nodeId)
      .map((member) => ({ id: member.id, ...parseHostPort(member.peer) })),
    limits: config.limits,
    logger,
    ...(config.peerTls && { tls: loadPeerTls(config.peerTls, config.nodeId) }),
  });
}

function assembleRealNode(config: NodeConfig, storage: NodeStorage, logger: Logger, seed: number, loaded: LoadedState, transport: TcpTransport): NodeParts {
  const { restored, sessions, snapshot } = loaded;
  if (!config.peerTls) logger.info('peers in plaintext: no peerTls in the config (see docs/security.md)');
  if (!config.clientTls) logger.info('clients in plaintext: no clientTls in the config (see docs/security.md)');
  if (!config.clientAuth) logger.info('clients unauthenticated: no clientAuth in the config, anyone who reaches the client port may run any command (see docs/security.md)');
  logger.info(
    { seed, term: restored.hardState.term, logStart: restored.logStart?.index ?? 0, lastIndex: restored.entries.at(-1)?.index ?? restored.logStart?.index ?? 0, appliedIndex: restored.appliedIndex, dataDir: config.dataDir },
    'node restored from disk',
  );
  return assembleNode({
    config,
    storage,
    restored,
    sessions,
    snapshotIndex: snapshot?.index ?? 0,
    transport,
    clock: systemClock,
    scheduler: immediateScheduler,
    seed,
    onCoreWarning: coreWarningLogger(logger),
  });
}

async function runNode(
  config: NodeConfig,
  storage: NodeStorage,
  parts: NodeParts,
  logger: Logger,
  options: StartNodeOptions,
  recorders: NodeRecorders,
  observer: NodeObserver | null,
  clientEdge: { auth: ClientAuth; tls?: TlsOptions },
): Promise<RunningNode> {
  const self = config.members.find((member) => member.id === config.nodeId)!;
  const flightDump = (reason: string): string => {
    const file = recorders.flightDump(reason);
    logger.warn({ file, reason }, 'flight recorder dumped');
    return file;
  };
  const clientServer = new ClientServer(parts.bus, {
    nodeId: config.nodeId,
    clusterId: config.clusterId,
    members: config.members,
    config: parts.core.view().config,
    snapshotFacts: () => parts.stateMachine.snapshotFacts(),
    ...parseHostPort(self.client),
    limits: config.limits,
    logger,
    onFlightDump: () => flightDump('DEBUG FLIGHTDUMP request'),
    snapshots: {
      open: () => parts.stateMachine.exportSnapshot(),
      chunkBytes: config.limits.snapshotChunkBytes,
    },
    ...(config.debugCommands && { debugCommands: config.debugCommands }),
    ...clientEdge,
  });
  logRaftEvents(parts.bus, logger, config.nodeId);
  logSnapshots(parts, logger);
  const onFatal = options.onFatal ?? defaultFatal(logger);
  parts.bus.on('storage.failed', (e) => onFatal(new Error(`${e.operation} failed: ${e.message}`)));
  await parts.network.start().catch((err: unknown) => {
    throw listenFailed(`peers (node ${config.nodeId}'s peer address)`, self.peer, err);
  });
  await clientServer.start().catch(async (err: unknown) => {
    await parts.network.stop();
    throw listenFailed(`clients (node ${config.nodeId}'s client address)`, self.client, err);
  });
  let stopping: Promise<void> | null = null;
  const http = observer && (await startHttp(config, parts, observer, logger, clientServer, recorders, () => stopping !== null));
  parts.timer.start();
  logger.info({ client: self.client, peer: self.peer, ...(config.httpAddress !== undefined && { http: config.httpAddress }) }, 'node started');

  const stop = async (): Promise<void> => {
    await http?.stop();
    const graceMs = 2 * config.timing.electionTimeoutMaxMs;
    await handOverLeadership(parts.bus, parts.core, graceMs, logger);
    const abandoned = await drainRequests(parts.bus, () => parts.client.pendingCount(), graceMs);
    if (abandoned > 0) logger.warn({ pending: abandoned, graceMs }, 'requests still pending at shutdown are aborted');
    // The listener's close completes only once every connection has ended, so it is awaited after closeAll().
    const listenerClosed = clientServer.stopAccepting();
    parts.timer.stop();
    parts.bus.publish({ type: 'client.abort', reason: 'node shutting down' });
    await new Promise((resolve) => setImmediate(resolve));
    parts.bus.drain();
    clientServer.closeAll();
    await listenerClosed;
    await parts.network.stop();
    await parts.persistence.idle();
    await parts.stateMachine.idle();
    await storage.close();
    recorders.close();
    logger.info('node stopped');
  };
  return {
    id: config.nodeId,
    status: () => ({ id: config.nodeId, appliedIndex: parts.client.appliedIndex(), ...statusOf(parts) }),
    clientAddress: () => {
      const address = clientServer.address();
      return { host: address.address, port: address.port };
    },
    stop: () => (stopping ??= stop()),
    flightDump,
    tracePath: () => recorders.tracePath,
    httpAddress: () => {
      const address = http?.address();
      return address ? { host: address.address, port: address.port } : null;
    },
  };
}

function coreWarningLogger(logger: Logger): (warning: CoreWarning) => void {
  const limited = new RateLimitedWarn(logger.child({ component: 'raft' }));
  return (warning) => limited.warn(warning.reason.split(' ', 3).join(' '), { ...warning.message, reason: warning.reason }, 'refused by the raft core');
}

async function startHttp(
  config: NodeConfig,
  parts: NodeParts,
  observer: NodeObserver,
  logger: Logger,
  clientServer: ClientServer,
  recorders: NodeRecorders,
  stopping: () => boolean,
): Promise<HttpEndpoint> {
  const options = { config, parts, observer, logger, stopping, clientConnections: () => clientServer.connectionCount(), clientSecurity: clientServer, flightText: () => recorders.flight.toText('HTTP /debug/flight') };
  return startNodeHttp(options).catch(async (err: unknown) => {
    clientServer.closeAll();
    await clientServer.stopAccepting();
    await parts.network.stop();
    throw listenFailed(`HTTP (node ${config.nodeId}'s httpAddress)`, config.httpAddress!, err);
  });
}

function statusOf(parts: NodeParts | null): Omit<NodeStatus, 'id' | 'appliedIndex'> {
  if (!parts) return { role: 'follower', term: 0, leader: null, commitIndex: 0, lastLogIndex: 0 };
  const view = parts.core.view();
  return { role: view.role, term: view.term, leader: view.leader, commitIndex: view.commitIndex, lastLogIndex: view.lastIndex };
}

function logSnapshots(parts: NodeParts, logger: Logger): void {
  parts.bus.on('storage.snapshotted', (e) => logger.info({ index: e.index, durationMs: e.durationMs }, 'snapshot taken; log compacted'));
  parts.bus.on('storage.snapshotInstalled', (e) => logger.info({ index: e.snapshot.index, from: e.leader }, 'snapshot installed from the leader'));
}
function defaultFatal(logger: Logger): (error: Error) => void {
  return (error) => {
    logger.fatal({ err: error.message }, 'node cannot continue');
    process.exit(1);
  };
}
