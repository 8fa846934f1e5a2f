/**
 * Setting up and tearing down a run's world: the fault mechanism, addresses, config
 * files, node processes, and the exit hook that kills nodes and removes iptables
 * rules even when the harness dies on an exception or a signal's exit().
 */
import { mkdirSync } from 'node:fs';
import { ChaosCluster } from './cluster.js';
import { ChaosError } from './errors.js';
import { IptablesNet } from './iptables.js';
import { chooseMechanism, type MechanismChoice, type NetFaults } from './net-faults.js';
import type { ChaosOptions } from './options.js';
import { MembershipDriver } from './membership.js';
import { NodePlanner, planFirst, writeConfigs, type NodePlan } from './plan.js';
import { ProxyNet } from './proxy.js';
import { reapOrphans, RunRegistry } from './registry.js';
import type { Rng } from './rng.js';
import { FAULT_KINDS, NETWORK_KINDS, type FaultKind } from './schedule.js';

/** The "fast" preset (elections 150-300 ms, heartbeat 50 ms) with requests timing out before the clients give up. */
function timingFor(options: ChaosOptions): unknown {
  return { preset: 'fast', requestTimeoutMs: Math.max(options.requestTimeoutMs - 500, 1_000) };
}

export interface World {
  readonly runId: string;
  readonly dir: string;
  readonly choice: MechanismChoice;
  readonly net: NetFaults;
  readonly cluster: ChaosCluster;
  /** The membership and rolling-restart steps (new nodes get the run's cluster id, timing and limits). */
  readonly members: MembershipDriver;
  /** The fault kinds the run draws from: the options', less `membership` when proxies cannot carry it. */
  readonly faults: readonly FaultKind[];
  /** Kills every node, heals, removes rules and the registry entry; idempotent. */
  readonly teardown: () => Promise<void>;
}

export async function setUpWorld(options: ChaosOptions, runId: string, dir: string, rng: Rng): Promise<World> {
  const choice = chooseMechanism(options.mechanism);
  if (options.mechanism === 'iptables' && choice.reason.includes('unusable')) throw new ChaosError('IPTABLES_UNAVAILABLE', choice.reason);
  const faults = faultsFor(options, choice);
  mkdirSync(dir, { recursive: true });
  const orphans = reapOrphans();
  if (orphans.length > 0) options.log(`killed ${orphans.length} node processes left by a crashed run`);
  const planner = new NodePlanner(dir, choice.mechanism, rng);
  const plans = await planFirst(planner, options.nodes);
  const net = await createNet(choice, plans);
  const peerAddress =
    net instanceof ProxyNet ? (from: string, to: NodePlan) => net.addressFor(from, to.id) : (_from: string, to: NodePlan) => ({ host: to.host, port: to.peerPort });
  const settings = { clusterId: `chaos-${runId}`, timing: timingFor(options) };
  writeConfigs(plans, { ...settings, peerAddress });
  const registry = new RunRegistry(runId);
  const cluster = new ChaosCluster(plans, registry);
  const members = new MembershipDriver(cluster, planner, net, settings);
  const onExit = (): void => {
    cluster.killAllNow();
    if (net instanceof IptablesNet) net.closeSync();
    registry.remove();
  };
  process.on('exit', onExit);
  let done = false;
  const teardown = async (): Promise<void> => {
    if (done) return;
    done = true;
    process.off('exit', onExit);
    for (const node of cluster.nodes.values()) if (node.running) await node.kill();
    await net.close();
    registry.remove();
  };
  return { runId, dir, choice, net, cluster, members, faults, teardown };
}

/**
 * Proxies cannot cut a changed membership's links: nodes then dial the peer addresses
 * logged in the configuration (one per member, the leader's view), not the proxies
 * their config files name. Membership changes with network cuts need iptables.
 */
function faultsFor(options: ChaosOptions, choice: MechanismChoice): readonly FaultKind[] {
  if (choice.mechanism !== 'proxy' || !options.faults.includes('membership')) return options.faults;
  const cuts = options.faults.filter((kind) => NETWORK_KINDS.includes(kind));
  if (cuts.length === 0) return options.faults;
  // Every kind (the default): a run without root still works, without the membership fault.
  if (FAULT_KINDS.every((kind) => options.faults.includes(kind))) {
    options.log(`the membership fault is left out: the proxy mechanism cannot cut a changed membership's links (${choice.reason})`);
    return options.faults.filter((kind) => kind !== 'membership');
  }
  throw new ChaosError(
    'BAD_OPTIONS',
    `the membership fault cannot be combined with ${cuts.join(', ')} on the proxy mechanism (${choice.reason}): after a change nodes dial the logged peer addresses, not the proxies; run as root with iptables, or leave out membership or the network faults`,
  );
}

async function createNet(choice: MechanismChoice, plans: readonly NodePlan[]): Promise<NetFaults> {
  if (choice.mechanism === 'iptables') return IptablesNet.create(new Map(plans.map((p) => [p.id, p.host])));
  return ProxyNet.create(new Map(plans.map((p) => [p.id, { host: p.host, port: p.peerPort }])));
}
