/**
 * Fault schedules: timed actions the nemesis carries out against a cluster.
 * A schedule is plain JSON, so a failing run prints as seed + schedule and
 * `raftkv sim --replay` reproduces it; fast-check shrinks schedules by
 * dropping and simplifying actions. Nodes are named by index (0-based), or
 * 'leader' for whichever node leads when the action runs. Indexes past the
 * bootstrap members are spares (SPARE_NODES of them): started in join mode
 * when an addLearner action first names them.
 */
import type { Rng } from './rng.js';

export type Target = number | 'leader';

export type FaultAction =
  | { readonly at: number; readonly type: 'partition'; readonly groups: readonly (readonly number[])[] }
  | { readonly at: number; readonly type: 'oneway'; readonly from: number; readonly to: number }
  | { readonly at: number; readonly type: 'isolate'; readonly node: Target }
  | { readonly at: number; readonly type: 'heal' }
  /** Freezes a node (GC pause, SIGSTOP): a leader frozen past an election wakes up deposed without knowing it. */
  | { readonly at: number; readonly type: 'pause'; readonly node: Target; readonly ms: number }
  | { readonly at: number; readonly type: 'crash'; readonly node: Target }
  | { readonly at: number; readonly type: 'restart'; readonly node: number | 'all' }
  | { readonly at: number; readonly type: 'network'; readonly loss: number; readonly duplicate: number; readonly reorder: number }
  | { readonly at: number; readonly type: 'diskFail'; readonly node: number; readonly probability: number }
  /** The leader of the moment is asked to hand over (dissertation 3.10) to a node, or to whoever is most up to date. */
  | { readonly at: number; readonly type: 'transferLeader'; readonly to: number | null }
  /**
   * Membership changes (dissertation 4.1), asked of whoever leads and retried
   * while refused (no leader, a change in flight, a learner still behind)
   * until the faults stop: a spare joins as a learner, a learner becomes a
   * voter, a member leaves (a removed node keeps running).
   */
  | { readonly at: number; readonly type: 'addLearner'; readonly node: number }
  | { readonly at: number; readonly type: 'promote'; readonly node: number }
  | { readonly at: number; readonly type: 'removeMember'; readonly node: Target }
  /**
   * Waits for the next node to become leader and, delayMs later, crashes or
   * isolates it: a leader gone before it replicated anything is what the
   * Figure 8 scenario needs, and random timing rarely hits that window.
   */
  | { readonly at: number; readonly type: 'trapLeader'; readonly then: 'crash' | 'isolate'; readonly delayMs: number };

export type FaultType = FaultAction['type'];

/** Which kinds of fault a run may inject (`--faults net,crash,disk` or `all`). */
export interface FaultSet {
  readonly net: boolean;
  readonly crash: boolean;
  readonly disk: boolean;
}

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
  readonly code = 'SIM_BAD_FAULTS';
}

export function parseFaults(spec: string): FaultSet {
  const words = spec.split(',').map((w) => w.trim().toLowerCase()).filter((w) => w.length > 0);
  const known = new Set(['net', 'crash', 'disk', 'all', 'none']);
  for (const word of words) {
    if (!known.has(word)) throw new FaultSpecError(`unknown fault class "${word}" (expected net, crash, disk, all or none)`);
  }
  const all = words.includes('all');
  return { net: all || words.includes('net'), crash: all || words.includes('crash'), disk: all || words.includes('disk') };
}

export const ALL_FAULTS: FaultSet = { net: true, crash: true, disk: true };

/** Nodes beyond the bootstrap members that membership changes can add. */
export const SPARE_NODES = 2;

/**
 * The share of seeds that change membership, whatever the fault classes: a
 * fixed share, so every class (none included) runs with and without changes.
 */
export const MEMBERSHIP_SHARE = 0.5;

/** Whether an action is a membership change (those are retried until taken or the faults stop). */
export function isMembershipChange(action: FaultAction): action is FaultAction & { type: 'addLearner' | 'promote' | 'removeMember' } {
  return action.type === 'addLearner' || action.type === 'promote' || action.type === 'removeMember';
}

/**
 * A random schedule over [0, durationMs): the nemesis of a seeded run.
 * `nodes` is the bootstrap size; in a seed that changes membership the
 * other faults reach the spares too.
 */
export function randomSchedule(rng: Rng, bootstrap: number, faults: FaultSet, durationMs: number): FaultAction[] {
  const membership = rng.chance(MEMBERSHIP_SHARE);
  const nodes = membership ? bootstrap + SPARE_NODES : bootstrap;
  const makers: Array<(at: number) => FaultAction[]> = [];
  if (faults.net) {
    makers.push((at) => netFault(rng, nodes, at), (at) => [{ at, type: 'isolate', node: 'leader' }]);
    const pause = (at: number): FaultAction[] => [{ at, type: 'pause', node: rng.chance(0.7) ? 'leader' : rng.int(0, nodes), ms: rng.int(100, 1500) }];
    makers.push(pause, pause);
    makers.push((at) => [{ at, type: 'transferLeader', to: rng.chance(0.5) ? null : rng.int(0, nodes) }]);
  }
  if (faults.crash) makers.push((at) => crashFault(rng, nodes, at), (at) => crashFault(rng, nodes, at), (at) => trapFault(rng, at, 'crash'));
  if (faults.net) makers.push((at) => trapFault(rng, at, 'isolate'));
  if (faults.disk) makers.push((at) => diskFault(rng, nodes, at));
  const actions: FaultAction[] = membership ? membershipChanges(rng, bootstrap, durationMs) : [];
  if (faults.net && rng.chance(0.7)) actions.push(networkConditions(rng, 0));
  if (makers.length === 0) return actions.sort((a, b) => a.at - b.at);
  for (let at = rng.int(100, 600); at < durationMs; at += rng.int(150, 1200)) {
    actions.push(...rng.pick(makers)(at));
    if (faults.net && rng.chance(0.35)) actions.push({ at: at + rng.int(100, 1500), type: 'heal' });
  }
  return actions.sort((a, b) => a.at - b.at);
}

/**
 * A plan of membership changes: each spare may join and be promoted, and one
 * to three members leave (the leader among them at times). Most changes are
 * spaced out; some follow the previous one within a few milliseconds, while
 * it is still in flight, which only a leader that takes one change at a time
 * survives.
 */
function membershipChanges(rng: Rng, bootstrap: number, durationMs: number): FaultAction[] {
  const steps: Array<(at: number) => FaultAction> = [];
  const spares = Array.from({ length: SPARE_NODES }, (_, i) => bootstrap + i).filter(() => rng.chance(0.8));
  const removals = rng.int(1, 4);
  const removal = (at: number): FaultAction => {
    const roll = rng.float();
    const node: Target = roll < 0.3 ? 'leader' : roll < 0.85 ? rng.int(0, bootstrap) : bootstrap + rng.int(0, SPARE_NODES);
    return { at, type: 'removeMember', node };
  };
  // Joins first, each promotion after its join; removals anywhere in between.
  const order: Array<'add' | 'promote' | 'remove'> = [];
  for (let i = 0; i < spares.length; i++) order.push('add');
  for (let i = 0; i < spares.length; i++) order.push('promote');
  for (let i = 0; i < removals; i++) order.splice(rng.int(0, order.length + 1), 0, 'remove');
  let added = 0;
  let promoted = 0;
  for (const step of order) {
    if (step === 'add') {
      const node = spares[added++]!;
      steps.push((at) => ({ at, type: 'addLearner', node }));
    } else if (step === 'promote') {
      const node = spares[promoted++]!;
      steps.push((at) => ({ at, type: 'promote', node }));
    } else steps.push(removal);
  }
  const actions: FaultAction[] = [];
  let at = rng.int(100, 1200);
  for (const step of steps) {
    if (at >= durationMs) break;
    actions.push(step(at));
    at += rng.chance(0.3) ? rng.int(0, 15) : rng.int(100, 900);
  }
  return actions;
}

function netFault(rng: Rng, nodes: number, at: number): FaultAction[] {
  const roll = rng.float();
  if (roll < 0.3) return [{ at, type: 'isolate', node: rng.int(0, nodes) }];
  if (roll < 0.5) {
    const from = rng.int(0, nodes);
    return [{ at, type: 'oneway', from, to: (from + rng.int(1, nodes)) % nodes }];
  }
  if (roll < 0.8) {
    const ids = Array.from({ length: nodes }, (_, i) => i).map((i) => ({ i, r: rng.float() })).sort((a, b) => a.r - b.r).map((x) => x.i);
    const cut = rng.int(1, nodes);
    return [{ at, type: 'partition', groups: [ids.slice(0, cut), ids.slice(cut)] }];
  }
  return [networkConditions(rng, at)];
}

function networkConditions(rng: Rng, at: number): FaultAction {
  return { at, type: 'network', loss: rng.float() * 0.15, duplicate: rng.float() * 0.1, reorder: rng.float() * 0.2 };
}

function crashFault(rng: Rng, nodes: number, at: number): FaultAction[] {
  const node: Target = rng.chance(0.4) ? 'leader' : rng.int(0, nodes);
  const down = rng.int(1, 1500);
  // A restart of 'leader' would be ambiguous: restart every node that is down instead.
  return [{ at, type: 'crash', node }, { at: at + down, type: 'restart', node: node === 'leader' ? 'all' : node }];
}

function trapFault(rng: Rng, at: number, then: 'crash' | 'isolate'): FaultAction[] {
  const trap: FaultAction = { at, type: 'trapLeader', then, delayMs: rng.int(0, 20) };
  // The trapped leader comes back (or reconnects) a while later.
  const back: FaultAction = then === 'crash' ? { at: at + rng.int(300, 1500), type: 'restart', node: 'all' } : { at: at + rng.int(300, 1500), type: 'heal' };
  return [trap, back];
}

function diskFault(rng: Rng, nodes: number, at: number): FaultAction[] {
  const node = rng.int(0, nodes);
  return [{ at, type: 'diskFail', node, probability: 0.2 + rng.float() * 0.5 }, { at: at + rng.int(50, 600), type: 'diskFail', node, probability: 0 }];
}

/** Checks a schedule read from a replay file against the cluster size (bootstrap members; spares are added). */
export function validateSchedule(actions: readonly FaultAction[], bootstrap: number): string[] {
  const problems: string[] = [];
  const nodes = bootstrap + SPARE_NODES;
  const okNode = (n: unknown): boolean => n === 'leader' || n === 'all' || (Number.isInteger(n) && (n as number) >= 0 && (n as number) < nodes);
  actions.forEach((a, i) => {
    if (!Number.isFinite(a.at) || a.at < 0) problems.push(`action ${i}: bad time ${String(a.at)}`);
    if ('node' in a && !okNode(a.node)) problems.push(`action ${i}: bad node ${String(a.node)}`);
    if (a.type === 'oneway' && (!okNode(a.from) || !okNode(a.to))) problems.push(`action ${i}: bad link`);
    if (a.type === 'transferLeader' && a.to !== null && !okNode(a.to)) problems.push(`action ${i}: bad transfer target`);
    if (a.type === 'partition' && !a.groups.every((g) => g.every(okNode))) problems.push(`action ${i}: bad partition`);
    if (a.type === 'addLearner' && !(Number.isInteger(a.node) && a.node >= bootstrap && a.node < nodes)) problems.push(`action ${i}: addLearner names no spare (${bootstrap}..${nodes - 1})`);
  });
  return problems;
}
