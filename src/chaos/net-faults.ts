/**
 * How the nemesis cuts traffic between nodes. Two mechanisms drop real TCP traffic:
 * iptables rules on per-node loopback addresses (root), or a fault-injecting proxy
 * on every directed peer link (anyone). `chooseMechanism` picks one and says why, so
 * a run never falls back silently.
 */
import type { Link } from './partitions.js';
import { probeIptables } from './iptables.js';

export type MechanismName = 'iptables' | 'proxy';

export interface NetFaults {
  readonly mechanism: MechanismName;
  /** Replaces whatever is cut now with `cut`; an empty list heals everything. */
  apply(cut: readonly Link[]): Promise<void>;
  /**
   * A node that joined during the run (the membership nemesis), so later cuts can name
   * it. Only iptables can cut its links: members' peer addresses are logged in the
   * cluster's configuration, one per member, so per-link proxies cannot stand between
   * nodes once the membership changes (setup.ts refuses that combination).
   */
  addNode(id: string, host: string): void;
  /** Heals and releases everything (rules, listeners); idempotent. */
  close(): Promise<void>;
}

export type MechanismRequest = 'auto' | MechanismName;

export interface MechanismChoice {
  readonly mechanism: MechanismName;
  /** Why this one: e.g. "root and iptables usable", or the reason iptables is not. */
  readonly reason: string;
}

/** 'auto' takes iptables when it works here, else the proxies; an explicit choice is checked. */
export function chooseMechanism(request: MechanismRequest): MechanismChoice {
  if (request === 'proxy') return { mechanism: 'proxy', reason: 'proxy requested' };
  const probe = probeIptables();
  if (probe.ok) return { mechanism: 'iptables', reason: request === 'auto' ? 'root and iptables usable' : 'iptables requested' };
  if (request === 'iptables') return { mechanism: 'iptables', reason: `iptables requested but unusable: ${probe.reason}` };
  return { mechanism: 'proxy', reason: `fallback: iptables unusable: ${probe.reason}` };
}
