/** Crash cleanup: node processes of a harness that died are found through its registry file and killed. */
import { spawn } from 'node:child_process';
import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, reapOrphans, registryDir, RunRegistry } from '../../src/chaos/registry.js';
import { pollUntil } from '../../src/chaos/wait.js';

/** pid_max on 64-bit Linux is at most 2^22, so this pid never runs. */
const DEAD_PID = 4_194_305;

function fakeNode(configPath: string): number {
  // A stand-in node: the config path on its command line, as `raftkv server --config PATH` has.
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', '--config', configPath], { stdio: 'ignore', detached: true });
  child.unref();
  return child.pid!;
}

describe('crash cleanup', () => {
  it('kills the nodes of a run whose harness is gone, and only those', async () => {
    mkdirSync(registryDir(), { recursive: true });
    const orphanConfig = join(registryDir(), `orphan-${process.pid}.json.config`);
    const orphan = fakeNode(orphanConfig);
    const orphanFile = join(registryDir(), `test-orphan-${process.pid}.json`);
    // A pid that is alive but does not run the named config must be left alone (pid reuse).
    writeFileSync(orphanFile, JSON.stringify({ ownerPid: DEAD_PID, nodes: [{ pid: orphan, configPath: orphanConfig }, { pid: process.pid, configPath: '/nope' }] }));
    const liveConfig = join(registryDir(), `live-${process.pid}.json.config`);
    const live = fakeNode(liveConfig);
    const registry = new RunRegistry(`test-live-${process.pid}`);
    registry.node('n1', { pid: live, configPath: liveConfig });
    try {
      expect(reapOrphans()).toContain(orphan);
      await pollUntil(async () => !alive(orphan), { timeoutMs: 10_000, intervalMs: 20, what: 'the orphan to die' });
      expect(existsSync(orphanFile)).toBe(false);
      expect(alive(live)).toBe(true);
      expect(existsSync(registry.path)).toBe(true);
    } finally {
      process.kill(live, 'SIGKILL');
      registry.remove();
    }
  });
});
