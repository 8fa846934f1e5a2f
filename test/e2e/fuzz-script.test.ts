/**
 * A short bounded run of `npm run fuzz` (scripts/fuzz.mjs) in CI: hostile
 * client requests and peer frames against a real 3-process cluster, and the
 * script's own verdict: no node crashed, the probe client got answers; once
 * plain, once with client authentication and TLS.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/fuzz.mjs');

describe('npm run fuzz, bounded', { timeout: 180_000 }, () => {
  it('20,000 hostile client requests and 2,000 hostile peer frames: no crash, the probe is served', () => {
    const run = spawnSync(process.execPath, [SCRIPT, '--requests', '20000', '--frames', '2000', '--json'], { encoding: 'utf8', timeout: 170_000 });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary.crashes).toEqual([]);
    expect(summary.clientRequests).toBe(20_000);
    expect(summary.peerFrames).toBe(2_000);
    expect(summary.probeDuringPeerFuzz.requests + summary.probeDuringClientFuzz.requests).toBeGreaterThan(0);
    for (const mb of Object.values(summary.peakRssMb)) expect(mb).toBeGreaterThan(0);
  });

  it('with clientAuth and clientTls (--auth --tls): 10,000 hostile requests, AUTH and ACL lines among them, and 1,000 peer frames: no crash, the probe is served', () => {
    const run = spawnSync(process.execPath, [SCRIPT, '--requests', '10000', '--frames', '1000', '--auth', '--tls', '--json'], { encoding: 'utf8', timeout: 170_000 });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ auth: true, tls: true, crashes: [], clientRequests: 10_000, peerFrames: 1_000 });
    expect(summary.probeDuringClientFuzz.requests + summary.probeDuringPeerFuzz.requests).toBeGreaterThan(0);
  });
});
