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
import type { RestoredState } from '../raft/core.js';
import type { Role } from '../raft/ready.js';
import type { StoredSession } from '../kv/sessions.js';
import type { NodeStorage } from '../storage/interfaces.js';
import { openDiskStorage } from '../storage/open.js';
import { TcpTransport } from '../transport/tcp.js';
import { loadPeerTls } from '../transport/tls.js';
import { attachNodeRecorders, type FlightSettings, type NodeRecorders, type TraceSettings } from '../trace/node-recorders.js';
import { assembleNode, type NodeParts } from './assemble.js';
import { ClientServer } from './client-server.js';
import { claimDataDir } from './data-identity.js';
import { listenFailed } from './errors.js';

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
}

export async function startNode(config: NodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  let parts: NodeParts | null = null;
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, nodeId: config.nodeId, status: () => statusOf(parts) });
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  const storage = await openDiskStorage(config.dataDir);
  try {
    claimDataDir(config.dataDir, { clusterId: config.clusterId, nodeId: config.nodeId });
    const loaded = await loadState(storage);
    parts = assembleRealNode(config, storage, logger, seed, loaded);
    const recorders = attachRecorders(config, parts, loaded, seed, options, logger);
    return await runNode(config, storage, parts, logger, options, recorders);
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** What the node restarts from; a trace's header records it so replay can start from the same point. */
interface LoadedState {
  readonly restored: RestoredState;
  readonly sessions: readonly StoredSession[];
}

async function loadState(storage: NodeStorage): Promise<LoadedState> {
  const [raftState, appliedIndex, sessions] = await Promise.all([
    storage.raft.load(),
    storage.kv.appliedIndex(),
    storage.kv.loadSessions(),
  ]);
  return { restored: { hardState: raftState.hardState, entries: raftState.entries, appliedIndex }, sessions };
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

function assembleRealNode(config: NodeConfig, storage: NodeStorage, logger: Logger, seed: number, loaded: LoadedState): NodeParts {
  const { restored, sessions } = loaded;
  const self = config.members.find((member) => member.id === config.nodeId)!;
  const transport = new TcpTransport({
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
  if (!config.peerTls) logger.info('peers in plaintext: no peerTls in the config (see docs/security.md)');
  logger.info(
    { seed, term: restored.hardState.term, lastIndex: restored.entries.length, appliedIndex: restored.appliedIndex, dataDir: config.dataDir },
    'node restored from disk',
  );
  return assembleNode({
    config,
    storage,
    restored,
    sessions,
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
): Promise<RunningNode> {
  const self = config.members.find((member) => member.id === config.nodeId)!;
  const flightDump = (reason: string): string => {
    const file = recorders.flightDump(reason);
    logger.warn({ file, reason }, 'flight recorder dumped');
    return file;
  };
  const clientServer = new ClientServer(parts.bus, {
    ...parseHostPort(self.client),
    limits: config.limits,
    logger,
    onFlightDump: () => flightDump('DEBUG FLIGHTDUMP request'),
    ...(config.debugCommands && { debugCommands: config.debugCommands }),
  });
  logRoleChanges(parts, logger);
  const onFatal = options.onFatal ?? defaultFatal(logger);
  parts.bus.on('storage.failed', (e) => onFatal(new Error(`${e.operation} failed: ${e.message}`)));
  await parts.network.start().catch((err: unknown) => {
    throw listenFailed(`peers (node ${config.nodeId}'s peer address)`, self.peer, err);
  });
  await clientServer.start().catch(async (err: unknown) => {
    await parts.network.stop();
    throw listenFailed(`clients (node ${config.nodeId}'s client address)`, self.client, err);
  });
  parts.timer.start();
  logger.info({ client: self.client, peer: self.peer }, 'node started');

  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    await clientServer.stopAccepting();
    parts.timer.stop();
    parts.bus.publish({ type: 'client.abort', reason: 'node shutting down' });
    await new Promise((resolve) => setImmediate(resolve));
    parts.bus.drain();
    clientServer.closeAll();
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
  };
}

function coreWarningLogger(logger: Logger): (warning: CoreWarning) => void {
  const limited = new RateLimitedWarn(logger.child({ component: 'raft' }));
  return (warning) => limited.warn(warning.reason.split(' ', 3).join(' '), { ...warning.message, reason: warning.reason }, 'refused by the raft core');
}

function statusOf(parts: NodeParts | null): Omit<NodeStatus, 'id' | 'appliedIndex'> {
  if (!parts) return { role: 'follower', term: 0, leader: null, commitIndex: 0, lastLogIndex: 0 };
  const view = parts.core.view();
  return { role: view.role, term: view.term, leader: view.leader, commitIndex: view.commitIndex, lastLogIndex: view.lastIndex };
}

function logRoleChanges(parts: NodeParts, logger: Logger): void {
  let last = '';
  parts.bus.on('raft.status', (s) => {
    const now = `${s.role}/${s.term}/${s.leader}`;
    if (now === last) return;
    last = now;
    logger.info({ leader: s.leader }, s.role === 'leader' ? 'became leader' : `now ${s.role}`);
  });
}

function defaultFatal(logger: Logger): (error: Error) => void {
  return (error) => {
    logger.fatal({ err: error.message }, 'node cannot continue');
    process.exit(1);
  };
}
