/**
 * The iptables mechanism on this machine. CI runs as root with iptables installed, so
 * an unusable iptables fails here with the reason, unless RAFTKV_CHAOS_MECHANISM=proxy
 * says the proxy fallback is expected, in which case the harness must report that
 * fallback (and why) instead.
 */
import net from 'node:net';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { IptablesNet, listChains, probeIptables, removeStaleChains } from '../../src/chaos/iptables.js';
import { chooseMechanism } from '../../src/chaos/net-faults.js';

const probe = probeIptables();
const proxyAccepted = process.env['RAFTKV_CHAOS_MECHANISM'] === 'proxy';

/** True when the iptables tests can run; throws a clear error when they must but cannot. */
function iptablesHere(): boolean {
  if (probe.ok) return true;
  if (!proxyAccepted) {
    throw new Error(`iptables unusable: ${probe.reason}. Run as root with iptables installed, or set RAFTKV_CHAOS_MECHANISM=proxy to accept the proxy fallback.`);
  }
  expect(chooseMechanism('auto')).toEqual({ mechanism: 'proxy', reason: `fallback: iptables unusable: ${probe.reason}` });
  return false;
}

// Addresses of our own, far from those a chaos run picks (127.<1-250>.<1-250>.x).
const A = '127.254.7.11';
const B = '127.254.7.12';

async function listener(host: string): Promise<{ server: net.Server; port: number; peers: string[] }> {
  const peers: string[] = [];
  const server = net.createServer((socket) => {
    peers.push(socket.remoteAddress ?? '?');
    socket.on('error', () => {});
  });
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, peers };
}

/** Connects from `from` to to:port; "connected" or the failure (a dropped SYN times out). */
function tryConnect(from: string, to: string, port: number, timeoutMs = 1_500): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: to, port, localAddress: from });
    const done = (result: string): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('connected'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
  });
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('iptables mechanism', () => {
  it('is chosen automatically here, or the fallback is reported with its reason', () => {
    if (!iptablesHere()) return;
    expect(chooseMechanism('auto')).toEqual({ mechanism: 'iptables', reason: 'root and iptables usable' });
  });

  it('cuts one direction between two loopback addresses, heals, and removes its chain on close', async () => {
    if (!iptablesHere()) return;
    const [a, b] = [await listener(A), await listener(B)];
    cleanups.push(() => a.server.close(), () => b.server.close());
    const cuts = IptablesNet.create(new Map([['a', A], ['b', B]]));
    cleanups.push(() => cuts.closeSync());
    expect(listChains()).toContain(cuts.chain);
    expect(await tryConnect(A, B, b.port)).toBe('connected');
    expect(b.peers).toEqual([A]);

    await cuts.apply([{ from: 'a', to: 'b' }]);
    expect(cuts.rules()).toEqual([`-A ${cuts.chain} -s ${A}/32 -d ${B}/32 -j DROP`]);
    expect(await tryConnect(A, B, b.port)).toBe('timeout');
    // Only packets from A to B are dropped: a dial from an uncut address still reaches B.
    expect(await tryConnect('127.0.0.1', B, b.port)).toBe('connected');

    await cuts.apply([]);
    expect(cuts.rules()).toEqual([]);
    expect(await tryConnect(A, B, b.port)).toBe('connected');
    await cuts.close();
    expect(listChains()).not.toContain(cuts.chain);
    expect(spawnSync('iptables', ['-w', '-S', 'INPUT'], { encoding: 'utf8' }).stdout).not.toContain(cuts.chain);
  });

  it('removes chains whose owner process is gone, and keeps live ones', () => {
    if (!iptablesHere()) return;
    // pid 2^22+1 is above Linux's default pid_max range used here: nobody owns it.
    const stale = `RAFTKV-${(4_194_305).toString(36)}-dead00`;
    spawnSync('iptables', ['-w', '-N', stale]);
    spawnSync('iptables', ['-w', '-I', 'INPUT', '1', '-j', stale]);
    const live = IptablesNet.create(new Map([['a', A]]));
    cleanups.push(() => live.closeSync());
    expect(listChains()).not.toContain(stale);
    expect(listChains()).toContain(live.chain);
    expect(removeStaleChains()).toEqual([]);
  });
});
