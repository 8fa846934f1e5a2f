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
import { planNodes, writeConfigs, type NodePlan } from './plan.js';
import { ProxyNet } from './proxy.js';
import { reapOrphans, RunRegistry } from './registry.js';
import type { Rng } from './rng.js';

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
  /** Kills every node, heals, removes rules and the registry entry; idempotent. */
  readonly teardown: () => Promise<void>;
}

export async function setUpWorld(options: ChaosOptions, runId: string, dir: string, rng: Rng): Promise<World> {
  const choice = chooseMechanism(options.mechanism);
  if (options.mechanism === 'iptables' && choice.reason.includes('unusable')) throw new ChaosError('IPTABLES_UNAVAILABLE', choice.reason);
  mkdirSync(dir, { recursive: true });
  const orphans = reapOrphans();
  if (orphans.length > 0) options.log(`killed ${orphans.length} node processes left by a crashed run`);
  const plans = await planNodes(dir, options.nodes, choice.mechanism, rng);
  const net = await createNet(choice, plans);
  const peerAddress =
    net instanceof ProxyNet ? (from: string, to: NodePlan) => net.addressFor(from, to.id) : (_from: string, to: NodePlan) => ({ host: to.host, port: to.peerPort });
  writeConfigs(plans, { clusterId: `chaos-${runId}`, timing: timingFor(options), peerAddress });
  const registry = new RunRegistry(runId);
  const cluster = new ChaosCluster(plans, registry);
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
  return { runId, dir, choice, net, cluster, teardown };
}

async function createNet(choice: MechanismChoice, plans: readonly NodePlan[]): Promise<NetFaults> {
  if (choice.mechanism === 'iptables') return IptablesNet.create(new Map(plans.map((p) => [p.id, p.host])));
  return ProxyNet.create(new Map(plans.map((p) => [p.id, { host: p.host, port: p.peerPort }])));
}
