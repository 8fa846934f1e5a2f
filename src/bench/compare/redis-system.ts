/** Redis, one node, every write fsynced before it is acknowledged (appendfsync always). */
import { join } from 'node:path';
import { freePorts } from '../../util/free-ports.js';
import { pollUntil } from '../../util/poll.js';
import { ServerProcess } from '../clusters/proc.js';
import { respCall, RespTarget } from '../clusters/resp.js';
import type { RunningSystem } from './system.js';

export async function startRedis(workDir: string): Promise<RunningSystem> {
  const [port] = await freePorts(1);
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', workDir,
    '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no',
  ];
  const server = new ServerProcess('redis', 'redis-server', args, join(workDir, 'redis.log'));
  await pollUntil(async () => (await respCall('127.0.0.1', port!, ['PING'])).type === 'simple', {
    timeoutMs: 10_000,
    intervalMs: 100,
    what: 'redis-server to answer PING',
  });
  return {
    name: 'redis',
    pids: () => [server.pid],
    target: () => new RespTarget('127.0.0.1', port!),
    respPort: port!,
    stop: () => server.stop(),
  };
}
