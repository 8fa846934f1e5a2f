/** raftkv from this checkout: three `raftkv server` processes on loopback, fresh data directories. */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePorts } from '../../util/free-ports.js';
import { pollUntil } from '../../util/poll.js';
import { ServerProcess } from './proc.js';
import { respCall, RespTarget } from './resp-target.js';
import type { RunningSystem } from './system.js';

/** Two levels up from src/bench/compare or dist/bench/compare. */
const BIN = resolve(import.meta.dirname, '../../../bin/raftkv.js');
const NODES = 3;

export async function startRaftkv(workDir: string): Promise<RunningSystem> {
  const ports = await freePorts(NODES * 2);
  const members = Array.from({ length: NODES }, (_, i) => ({
    id: `n${i + 1}`,
    peer: `127.0.0.1:${ports[2 * i]}`,
    client: `127.0.0.1:${ports[2 * i + 1]}`,
  }));
  const servers = members.map((member) => {
    const configPath = join(workDir, `${member.id}.json`);
    const config = { nodeId: member.id, clusterId: 'bench', dataDir: join(workDir, member.id), members, timing: 'fast', logLevel: 'warn' };
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    return new ServerProcess(member.id, process.execPath, [BIN, 'server', '--config', configPath], join(workDir, `${member.id}.log`));
  });
  const clientPorts = members.map((_, i) => ports[2 * i + 1]!);
  const leaderPort = await pollUntil(() => findLeader(clientPorts), { timeoutMs: 20_000, intervalMs: 100, what: 'a raftkv leader' });
  return {
    name: 'raftkv',
    pids: () => servers.map((server) => server.pid),
    target: () => new RespTarget('127.0.0.1', leaderPort),
    respPort: leaderPort,
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

async function findLeader(clientPorts: readonly number[]): Promise<number | undefined> {
  for (const port of clientPorts) {
    const reply = await respCall('127.0.0.1', port, ['INFO']).catch(() => undefined);
    if (reply?.type === 'bulk' && reply.value !== null && /^role:leader\r?$/m.test(reply.value.toString())) return port;
  }
  return undefined;
}
