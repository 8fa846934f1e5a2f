/**
 * readMode "lease" on real processes: a leader stopped with SIGSTOP while the
 * others elect a new leader and take a write must not serve the old value when
 * it resumes. The lease is measured against a monotonic clock read as each
 * read is served, so the time it spent stopped counts. While it is stopped,
 * iptables also drops everything sent to its peer port, so nothing but its
 * own clock can tell it that it was deposed. The history (write,
 * write elsewhere, read from the resumed old leader, reads after) goes through
 * the linearizability checker.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHistory } from '../../src/check/linearizability.js';
import type { Operation } from '../../src/check/history.js';
import { RaftkvClient } from '../../src/client/client.js';
import { parseHostPort } from '../../src/config/address.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { RawClient } from '../support/raw-client.js';

describe('lease reads across a SIGSTOP of the leader', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  const history: Operation[] = [];
  const now = () => performance.now();

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3, { readMode: 'lease' });
    cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  async function write(nodes: string[], client: number, value: string): Promise<void> {
    const c = new RaftkvClient({ nodes, deadlineMs: 20_000 });
    try {
      const call = now();
      await c.set('k', value);
      history.push({ id: history.length, client, key: 'k', kind: 'write', value, status: 'ok', call, return: now() });
    } finally {
      await c.close();
    }
  }

  /** One GET on `raw`, sent by `send` (which may also resume the node); errors are reads that did not happen. */
  async function read(raw: RawClient, client: number, send: () => void): Promise<string> {
    const before = raw.replies.length;
    const call = now();
    send();
    const reply = (await raw.read(before + 1))[before]!;
    const output = reply === '(nil)' ? null : reply.startsWith('"') ? JSON.parse(reply) as string : undefined;
    history.push({ id: history.length, client, key: 'k', kind: 'read', status: output === undefined ? 'fail' : 'ok', ...(output !== undefined && { output }), call, return: now() });
    return reply;
  }

  /** Drops every packet to `port` on loopback (iptables; CI runs as root); returns the undo. */
  function dropTo(port: number): () => void {
    const chain = `RKV-LEASE-${process.pid}`;
    const iptables = (args: string[]) => execFileSync('iptables', args, { stdio: 'pipe' });
    iptables(['-N', chain]);
    iptables(['-A', chain, '-p', 'tcp', '--dport', String(port), '-j', 'DROP']);
    iptables(['-I', 'INPUT', '1', '-j', chain]);
    return () => {
      iptables(['-D', 'INPUT', '-j', chain]);
      iptables(['-F', chain]);
      iptables(['-X', chain]);
    };
  }

  it('a resumed old leader never serves the value from before its pause', async () => {
    const leaderAddress = await cluster.waitForLeader();
    const leader = cluster.node(leaderAddress);
    const others = cluster.nodes.filter((n) => n !== leader).map((n) => n.client);
    await write(cluster.addresses(), 1, 'v0');
    const raw = await RawClient.connect(parseHostPort(leader.client).port);
    try {
      // Under the lease the old leader serves reads at once.
      expect(await read(raw, 2, () => raw.send('GET k\r\n'))).toBe('"v0"');
      cluster.send(leader.id, 'SIGSTOP');
      const heal = dropTo(parseHostPort(leader.peer).port);
      try {
        await cluster.waitForLeader({ excluding: leaderAddress, timeoutMs: 30_000 });
        await write(others, 3, 'v1');
        // The GET waits in the stopped node's socket buffer; SIGCONT lets it be served.
        const reply = await read(raw, 2, () => {
          raw.send('GET k\r\n');
          cluster.send(leader.id, 'SIGCONT');
        });
        expect(reply).not.toBe('"v0"');
      } finally {
        heal();
      }
      for (let i = 0; i < 5; i++) await read(raw, 2, () => raw.send('GET k\r\n'));
    } finally {
      raw.destroy();
    }
    const verdict = checkHistory(history);
    expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
  });
});
