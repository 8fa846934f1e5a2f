/**
 * A node's configuration: what a JSON config file holds once validated and
 * filled with defaults. Every bound the node enforces lives in `limits`, with
 * its unit last in the name (TIGER_STYLE), and is checked at start-up.
 */
import type { NodeId } from '../raft/types.js';
import { TERM_JUMP_MAX } from '../raft/message-checks.js';

export interface MemberConfig {
  readonly id: NodeId;
  /** host:port for node-to-node Raft traffic. */
  readonly peer: string;
  /** host:port for the client protocol. */
  readonly client: string;
}

export type TimingPreset = 'fast' | 'debug' | 'demo';

export interface TimingConfig {
  /** Granularity of the logical clock: one timer.tick event per tickMs. */
  readonly tickMs: number;
  readonly electionTimeoutMinMs: number;
  readonly electionTimeoutMaxMs: number;
  readonly heartbeatMs: number;
  /** A client request not answered in this time gets an error (outcome unknown for writes). */
  readonly requestTimeoutMs: number;
}

export interface LimitsConfig {
  /** Longest inline command line or RESP header line a client may send. */
  readonly lineBytesMax: number;
  /** Most arguments (command name included) in one request. */
  readonly argsMax: number;
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  /** Largest node-to-node frame accepted or sent. */
  readonly frameBytesMax: number;
  /** Messages queued for one unreachable or slow peer before new ones are dropped. */
  readonly peerQueueMessagesMax: number;
  /** Bytes queued for one unreachable or slow peer before new messages are dropped. */
  readonly peerQueueBytesMax: number;
  /** Entries in one AppendEntries. */
  readonly entriesPerAppendMax: number;
  /** Payload bytes in one AppendEntries (a single larger entry is still sent alone). */
  readonly appendBytesMax: number;
  /** AppendEntries sent to one follower and not yet acknowledged (the pipeline window). */
  readonly inflightAppendsMax: number;
  /** Client requests accepted and not yet answered, per node; beyond it clients get -BUSY. */
  readonly pendingRequestsMax: number;
  /** Encoded bytes of the client writes accepted and not yet answered, per node; beyond it clients get -BUSY. */
  readonly pendingWriteBytesMax: number;
  /** Client writes proposed to the log and not yet answered; the rest wait, connections taking turns. */
  readonly writesInFlightMax: number;
  /** Encoded bytes of those writes (a single larger write still goes alone). */
  readonly writeBytesInFlightMax: number;
  /** Requests one connection may have outstanding before the node stops reading from it. */
  readonly pipelinePerConnectionMax: number;
  /** Reply bytes buffered for a slow client before it is disconnected (checked before a reply is built). */
  readonly clientOutputBytesMax: number;
  /** Unsent reply bytes above which the node stops reading a connection's requests until it reads its replies. */
  readonly clientOutputPauseBytes: number;
  /** Unsent reply bytes of all connections together; beyond it the connection holding the most is disconnected. */
  readonly clientOutputTotalBytesMax: number;
  /** A request whose first bytes arrived this long ago and that is still incomplete closes its connection (slowloris). */
  readonly clientPartialRequestTimeoutMs: number;
  readonly clientConnectionsMax: number;
  /** A client connection with nothing read or written for this long is closed. */
  readonly clientIdleTimeoutMs: number;
  /** Keys returned by one KEYS or LIST. */
  readonly keysPerReplyMax: number;
  /** Client sessions kept; opening one more evicts the least recently used. */
  readonly sessionsMax: number;
  /** Write results kept per session, for answering retries. */
  readonly sessionResultsMax: number;
  /** Log entries after which an unused session expires. */
  readonly sessionIdleEntriesMax: number;
  /** Entries applied since the last snapshot that make the node take a new one and compact its log. */
  readonly snapshotEntries: number;
  /** Payload bytes applied since the last snapshot that make the node take a new one (whichever comes first). */
  readonly snapshotBytes: number;
  /** Entries kept in the log before a snapshot's index, so a slightly slow follower catches up from the log. */
  readonly snapshotTrailingEntries: number;
  /** Bytes of state-machine data in one InstallSnapshot chunk. */
  readonly snapshotChunkBytes: number;
  /** Committed entries this node may have left to apply and still answer GET /health with 200. */
  readonly healthApplyLagEntriesMax: number;
  /** Open connections to the HTTP endpoint (metrics, health, dashboard). */
  readonly httpConnectionsMax: number;
  /** How far above its own term one peer message may lift this node's term (see TERM_JUMP_MAX in src/raft/message-checks.ts). */
  readonly termJumpMax: number;
}

/**
 * How GET, EXISTS, KEYS and LIST are made linearizable: `readindex` confirms
 * leadership with a heartbeat round per batch of reads (no clock assumption);
 * `lease` serves them at once while a leader lease holds, which assumes the
 * nodes' clocks run at rates within 20% of each other.
 */
export type ReadMode = 'readindex' | 'lease';

/**
 * Mutual TLS between nodes: every node presents a certificate signed by the
 * cluster's CA whose common name is its member id, and accepts a peer only
 * when the peer's certificate names the member its frames claim to come from.
 */
export interface PeerTlsConfig {
  /** PEM file of the cluster's CA certificate(s). */
  readonly caFile: string;
  /** PEM file of this node's certificate (CN = its member id). */
  readonly certFile: string;
  /** PEM file of this node's private key. */
  readonly keyFile: string;
}

/**
 * What a client user may run: everything, only what reads (no writes, no
 * admin commands), or nothing but AUTH, HELLO, QUIT and RESET ('none': a
 * user made by ACL SETUSER without +@all or +@read, as Redis's -@all).
 */
export type ClientCommands = 'all' | 'read' | 'none';

/**
 * One client user (Redis's ACL users, simplified): `AUTH name password`, or
 * `AUTH password` for the user named "default". The password is never in the
 * config: its SHA-256 is (Redis's ACL `#<hash>`), or a file holding it is.
 */
export interface ClientUserConfig {
  readonly name: string;
  /** Lower-case hex SHA-256 of the password. */
  readonly passwordSha256?: string;
  /** A file whose content (one trailing newline dropped) is the password, read at start-up. */
  readonly passwordFile?: string;
  readonly commands: ClientCommands;
  /**
   * Redis ACL key patterns (`~pattern`): globs, as KEYS matches them, that
   * every key a command touches must match; absent: every key (`allkeys`).
   */
  readonly keys?: readonly string[];
}

/**
 * Client authentication: with it, a connection runs nothing but AUTH, HELLO,
 * QUIT and RESET until it authenticates (-NOAUTH), as Redis with requirepass.
 */
export interface ClientAuthConfig {
  readonly users: readonly ClientUserConfig[];
  /** A connection that has not authenticated this long after connecting is closed. */
  readonly authTimeoutMs: number;
  /** Failed AUTH attempts after which the connection is closed. */
  readonly failuresPerConnectionMax: number;
  /** Failed AUTH attempts from one IP address within addressLockoutMs after which AUTH from it is refused unchecked ... */
  readonly failuresPerAddressMax: number;
  /** ... until addressLockoutMs after the first of them. */
  readonly addressLockoutMs: number;
}

/** TLS on the client port. */
export interface ClientTlsConfig {
  /** PEM file of the certificate the node presents to clients (its names: the hosts clients connect to). */
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM file of the CA whose client certificates are accepted (with requireClientCert). */
  readonly caFile?: string;
  /** Refuse clients without a certificate from caFile (mutual TLS). */
  readonly requireClientCert: boolean;
}

/** Who may run DEBUG (FLIGHTDUMP writes a file on the node): nobody, loopback clients only, or everyone. */
export type DebugCommands = 'no' | 'local' | 'yes';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface NodeConfig {
  readonly nodeId: NodeId;
  readonly clusterId: string;
  readonly members: readonly MemberConfig[];
  readonly dataDir: string;
  readonly timing: TimingConfig;
  readonly limits: LimitsConfig;
  readonly readMode: ReadMode;
  readonly logLevel: LogLevel;
  /** Redis 7's enable-debug-command. */
  readonly debugCommands?: DebugCommands;
  /**
   * Join an existing cluster: with an empty data directory the node knows no
   * configuration and never campaigns until the cluster's leader (which an
   * operator told with CLUSTER MEMBER ADD-LEARNER) brings it up to date. The
   * members list then only has to name this node. Without it, a node with an
   * empty data directory bootstraps a new cluster of `members`.
   */
  readonly join?: boolean;
  /** null: plaintext between nodes (trusted network or loopback only). */
  readonly peerTls?: PeerTlsConfig | null;
  /** null: every client may run every command, as Redis without requirepass. */
  readonly clientAuth?: ClientAuthConfig | null;
  /** null: plaintext clients (loopback or a trusted network only). */
  readonly clientTls?: ClientTlsConfig | null;
  /** host:port of the HTTP endpoint (metrics, health, status, dashboard); absent: no HTTP server. */
  readonly httpAddress?: string;
}

export const TIMING_PRESETS: Readonly<Record<TimingPreset, TimingConfig>> = {
  // The Raft paper's suggested ranges: election 150-300 ms, heartbeat 50 ms.
  fast: {
    tickMs: 10,
    electionTimeoutMinMs: 150,
    electionTimeoutMaxMs: 300,
    heartbeatMs: 50,
    requestTimeoutMs: 5_000,
  },
  // Long enough to stop a node in a debugger without it losing leadership.
  debug: {
    tickMs: 100,
    electionTimeoutMinMs: 30_000,
    electionTimeoutMaxMs: 60_000,
    heartbeatMs: 5_000,
    requestTimeoutMs: 120_000,
  },
  // Slow enough to watch elections and heartbeats scroll by in the logs.
  demo: {
    tickMs: 100,
    electionTimeoutMinMs: 3_000,
    electionTimeoutMaxMs: 6_000,
    heartbeatMs: 1_000,
    requestTimeoutMs: 20_000,
  },
};

export const DEFAULT_LIMITS: LimitsConfig = {
  lineBytesMax: 64 * 1024,
  argsMax: 1024,
  keyBytesMax: 1024,
  valueBytesMax: 1024 * 1024,
  frameBytesMax: 16 * 1024 * 1024,
  peerQueueMessagesMax: 4096,
  peerQueueBytesMax: 64 * 1024 * 1024,
  entriesPerAppendMax: 1024,
  appendBytesMax: 4 * 1024 * 1024,
  inflightAppendsMax: 8,
  pendingRequestsMax: 20_000,
  pendingWriteBytesMax: 256 * 1024 * 1024,
  writesInFlightMax: 1024,
  writeBytesInFlightMax: 4 * 1024 * 1024,
  pipelinePerConnectionMax: 1024,
  clientOutputBytesMax: 32 * 1024 * 1024,
  clientOutputPauseBytes: 4 * 1024 * 1024,
  clientOutputTotalBytesMax: 256 * 1024 * 1024,
  clientPartialRequestTimeoutMs: 30_000,
  clientConnectionsMax: 1024,
  clientIdleTimeoutMs: 300_000,
  keysPerReplyMax: 100_000,
  sessionsMax: 10_000,
  sessionResultsMax: 256,
  sessionIdleEntriesMax: 1_000_000,
  snapshotEntries: 10_000,
  snapshotBytes: 64 * 1024 * 1024,
  snapshotTrailingEntries: 5_000,
  snapshotChunkBytes: 1024 * 1024,
  healthApplyLagEntriesMax: 1_000,
  httpConnectionsMax: 64,
  termJumpMax: TERM_JUMP_MAX,
};

/**
 * Settings from command-line flags. They win over the config file, so one
 * file can serve several nodes (`--node-id n2`). A relative `dataDir` here
 * resolves against the working directory, as paths on a command line do.
 */
export interface ConfigOverrides {
  readonly nodeId?: NodeId;
  readonly clusterId?: string;
  readonly dataDir?: string;
  /** Replaces the file's whole `timing` section with this preset. */
  readonly timing?: TimingPreset;
  readonly logLevel?: LogLevel;
}
