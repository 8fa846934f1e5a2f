/**
 * Network cuts by iptables. Every node has its own loopback address (127.x.y.11,
 * .12, ...; Linux routes all of 127.0.0.0/8 to lo), listens on it and dials its peers
 * from it (the transport's localAddress), so a rule "-s A -d B -j DROP" in INPUT
 * drops exactly the packets node A sends node B: a one-way cut is one rule, a
 * two-way cut two. Clients connect from 127.0.0.1 and are never cut.
 *
 * Rules live in a chain of our own, RAFTKV-<owner pid base 36>-<random>, jumped to
 * from INPUT. close() (and closeSync(), for exit handlers) removes the jump, flushes
 * and deletes the chain; chains whose owner process is gone are removed at start, so
 * a crashed run leaves nothing behind past the next one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ChaosError } from './errors.js';
import type { Link } from './partitions.js';
import type { NetFaults } from './net-faults.js';

const CHAIN_PREFIX = 'RAFTKV-';
const IPTABLES = 'iptables';

export type IptablesProbe = { ok: true } | { ok: false; reason: string };

/** Whether this process can create, hook and delete a chain (root, iptables installed, kernel support). */
export function probeIptables(): IptablesProbe {
  if (process.platform !== 'linux') return { ok: false, reason: `platform is ${process.platform}, not linux` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  const chain = `${CHAIN_PREFIX}PROBE-${process.pid.toString(36)}`;
  try {
    iptables(['-N', chain]);
    iptables(['-A', chain, '-s', '127.0.0.254', '-d', '127.0.0.253', '-j', 'DROP']);
    iptables(['-F', chain]);
    iptables(['-X', chain]);
    return { ok: true };
  } catch (error) {
    spawnSync(IPTABLES, ['-w', '-X', chain], { stdio: 'ignore' });
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

export class IptablesNet implements NetFaults {
  readonly mechanism = 'iptables' as const;
  private open = true;

  private constructor(
    readonly chain: string,
    /** Node id -> its loopback address. */
    private readonly hosts: Map<string, string>,
  ) {}

  static create(hosts: ReadonlyMap<string, string>): IptablesNet {
    const probe = probeIptables();
    if (!probe.ok) throw new ChaosError('IPTABLES_UNAVAILABLE', probe.reason);
    removeStaleChains();
    const chain = `${CHAIN_PREFIX}${process.pid.toString(36)}-${randomBytes(3).toString('hex')}`;
    iptables(['-N', chain]);
    try {
      iptables(['-I', 'INPUT', '1', '-j', chain]);
    } catch (error) {
      iptables(['-X', chain]);
      throw error;
    }
    return new IptablesNet(chain, new Map(hosts));
  }

  addNode(id: string, host: string): void {
    this.hosts.set(id, host);
  }

  async apply(cut: readonly Link[]): Promise<void> {
    if (!this.open) throw new ChaosError('IPTABLES_FAILED', `chain ${this.chain} already removed`);
    iptables(['-F', this.chain]);
    for (const link of cut) iptables(['-A', this.chain, '-s', this.host(link.from), '-d', this.host(link.to), '-j', 'DROP']);
  }

  /** The rules now in the chain, as "-A CHAIN ..." lines (for tests and reports). */
  rules(): string[] {
    return iptablesOutput(['-S', this.chain]).split('\n').filter((line) => line.startsWith('-A '));
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  /** Synchronous, so it can run in a process 'exit' handler. */
  closeSync(): void {
    if (!this.open) return;
    this.open = false;
    deleteChain(this.chain);
  }

  private host(id: string): string {
    const host = this.hosts.get(id);
    if (host === undefined) throw new ChaosError('IPTABLES_FAILED', `no address for node ${id}`);
    return host;
  }
}

/** Our chains (RAFTKV-*) that exist now. */
export function listChains(): string[] {
  return iptablesOutput(['-S'])
    .split('\n')
    .filter((line) => line.startsWith(`-N ${CHAIN_PREFIX}`))
    .map((line) => line.slice(3).trim());
}

/** Deletes every RAFTKV-* chain whose owner process no longer exists; returns their names. */
export function removeStaleChains(): string[] {
  const stale = listChains().filter((chain) => !ownerAlive(chain));
  for (const chain of stale) deleteChain(chain);
  return stale;
}

function ownerAlive(chain: string): boolean {
  const match = /^RAFTKV-(?:PROBE-)?([0-9a-z]+)/.exec(chain);
  const pid = match ? parseInt(match[1] as string, 36) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes every jump to the chain (there may be several after a crash mid-setup), then the chain. */
function deleteChain(chain: string): void {
  for (let i = 0; i < 16; i++) {
    if (spawnSync(IPTABLES, ['-w', '-D', 'INPUT', '-j', chain], { stdio: 'ignore' }).status !== 0) break;
  }
  spawnSync(IPTABLES, ['-w', '-F', chain], { stdio: 'ignore' });
  spawnSync(IPTABLES, ['-w', '-X', chain], { stdio: 'ignore' });
}

function iptables(args: string[]): void {
  iptablesOutput(args);
}

function iptablesOutput(args: string[]): string {
  try {
    // -w: wait for the xtables lock instead of failing when another run holds it.
    return execFileSync(IPTABLES, ['-w', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new ChaosError('IPTABLES_FAILED', `iptables ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
  }
}
