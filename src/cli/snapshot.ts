/**
 * `raftkv snapshot save | status | restore`: backup and restore for
 * operators (etcdctl snapshot save, etcdutl snapshot status / restore).
 * The file format is src/storage/snapshot-file.ts; the design is in
 * docs/snapshots.md.
 */
import { unlink } from 'node:fs/promises';
import { RespConnection, type ConnectionSecurity } from '../client/connection.js';
import type { Reply } from '../client/reply.js';
import { collectStatus, leaderOf } from '../client/status.js';
import { ConfigError, loadConfigFile, type NodeConfig } from '../config/index.js';
import { SPACE_KV, SPACE_SESSION } from '../storage/snapshot-format.js';
import { SnapshotFileWriter, readSnapshotFile } from '../storage/snapshot-file.js';
import { restoreSnapshot } from '../storage/snapshot-restore.js';
import { CodedError } from '../util/coded-error.js';
import { CliExit, println, type CliIo } from './io.js';

/** Each SNAPSHOT request's answer: a chunk is read from LevelDB, never waits on the cluster. */
const REQUEST_TIMEOUT_MS = 30_000;

export class SnapshotSaveError extends CodedError<'NO_LEADER' | 'SNAPSHOT_SAVE_FAILED'> {
  override readonly name = 'SnapshotSaveError';
}

/** Saves the leader's state machine, as it is when the save starts, to file. */
export async function snapshotSave(file: string, nodes: readonly string[], io: CliIo, security: ConnectionSecurity = {}): Promise<void> {
  const leader = leaderOf(await collectStatus(nodes, undefined, security));
  if (leader === null) throw new SnapshotSaveError('NO_LEADER', `none of ${nodes.join(', ')} reports itself leader; a snapshot is saved from the leader, which holds every acknowledged write`);
  const connection = await RespConnection.connect(leader, { ...security, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  let writer: SnapshotFileWriter | null = null;
  try {
    const [index, term, voters, role] = texts(await connection.send(['SNAPSHOT', 'OPEN']), 4, leader);
    if (role !== 'leader') throw new SnapshotSaveError('NO_LEADER', `${leader} is no longer the leader (it is ${role}); save again`);
    const meta = { index: Number(index), term: Number(term), voters: voters!.split(',').filter((v) => v !== '') };
    writer = await SnapshotFileWriter.create(file, meta);
    let chunks = 0;
    for (let last = false; !last; chunks++) {
      const reply = await connection.send(['SNAPSHOT', 'NEXT']);
      const [flag, data] = reply.type === 'array' && reply.value?.length === 2 ? reply.value : [];
      if (flag?.type !== 'integer' || data?.type !== 'bulk' || data.value === null) throw unexpected(reply, leader);
      last = flag.value === 1;
      await writer.chunk(data.value);
    }
    const done = await writer.finish();
    writer = null;
    await connection.send(['SNAPSHOT', 'CLOSE']);
    println(io.stdout, `saved ${file}: index ${meta.index}, term ${meta.term}, voters ${meta.voters.join(',')}, ${chunks} chunks, ${done.bytes} bytes, sha256 ${done.sha256} (from ${leader})`);
  } catch (err) {
    if (writer !== null) {
      await writer.abandon();
      await unlink(file).catch(() => undefined);
    }
    throw err;
  } finally {
    connection.destroy();
  }
}

/** Prints what a snapshot file holds; exits 1 (with the coded error) when it does not pass its checks. */
export async function snapshotStatus(file: string, io: CliIo, json: boolean): Promise<void> {
  let keys = 0;
  let sessions = 0;
  const summary = await readSnapshotFile(file, {
    chunk: (_data, records) => {
      for (const [space] of records) {
        if (space === SPACE_KV) keys++;
        else if (space === SPACE_SESSION) sessions++;
      }
    },
  });
  const status = { file, index: summary.meta.index, term: summary.meta.term, voters: summary.meta.voters, keys, sessions, chunks: summary.chunks, bytes: summary.bytes, sha256: summary.sha256, checksum: 'ok' };
  if (json) {
    println(io.stdout, JSON.stringify(status));
    return;
  }
  for (const [name, value] of Object.entries(status)) println(io.stdout, `${name.padEnd(9)} ${Array.isArray(value) ? value.join(',') : String(value)}`);
}

/** Seeds the data directory of the node `config` describes from file. */
export async function snapshotRestore(file: string, options: { config: string; dataDir?: string }, io: CliIo): Promise<void> {
  const config = loadNodeConfig(options, io);
  const voters = config.members.map((member) => member.id);
  const result = await restoreSnapshot(file, config.dataDir, voters);
  println(
    io.stdout,
    `restored ${file} (index ${result.meta.index}, term ${result.meta.term}, sha256 ${result.sha256}) into ${result.dataDir} for node ${config.nodeId} of cluster ${config.clusterId}, voters ${voters.join(',')}`,
  );
}

function loadNodeConfig(options: { config: string; dataDir?: string }, io: CliIo): NodeConfig {
  try {
    return loadConfigFile(options.config, options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    println(io.stderr, error.message);
    throw new CliExit(2);
  }
}

function texts(reply: Reply, count: number, address: string): string[] {
  if (reply.type !== 'array' || reply.value === null || reply.value.length !== count) throw unexpected(reply, address);
  return reply.value.map((item) => {
    if (item.type !== 'bulk' || item.value === null) throw unexpected(reply, address);
    return item.value.toString('utf8');
  });
}

function unexpected(reply: Reply, address: string): SnapshotSaveError {
  const what = reply.type === 'error' ? reply.message : `an unexpected ${reply.type} reply`;
  return new SnapshotSaveError('SNAPSHOT_SAVE_FAILED', `${address} answered SNAPSHOT with ${what}`);
}
