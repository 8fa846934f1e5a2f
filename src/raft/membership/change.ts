/**
 * The rules a configuration change must follow that depend only on the
 * configuration itself (one member at a time, dissertation 4.1). The rules
 * that depend on the leader's view (a change already in flight, a learner
 * still behind, a quorum that would be lost) are checked by the core.
 */
import type { NodeId } from '../types.js';
import { memberOf, votersOf, type ClusterConfig, type ClusterMember } from './config.js';

export type MembershipChange =
  /** A new non-voting member: it receives the log and snapshots and never counts. */
  | { readonly kind: 'addLearner'; readonly member: { readonly id: NodeId; readonly peer: string; readonly client: string } }
  /** A learner that has caught up becomes a voter. */
  | { readonly kind: 'promote'; readonly id: NodeId }
  /** A member leaves for good; its id is never reused. */
  | { readonly kind: 'remove'; readonly id: NodeId };

/** Why a change was refused: stable codes the client edge turns into errors. */
export type MembershipRefusal =
  | 'NOT_LEADER'
  | 'CHANGE_IN_PROGRESS'
  | 'TRANSFER_IN_PROGRESS'
  | 'MEMBER_EXISTS'
  | 'REMOVED_MEMBER'
  | 'UNKNOWN_MEMBER'
  | 'NOT_A_LEARNER'
  | 'LEARNER_BEHIND'
  | 'WOULD_LOSE_QUORUM'
  /** The leader was asked to remove itself: it hands over first, and the new leader does it. */
  | 'LEADER_HANDING_OVER';

export type ChangeResult =
  | { readonly ok: true; readonly config: ClusterConfig }
  | { readonly ok: false; readonly code: MembershipRefusal; readonly detail: string };

export function applyChange(config: ClusterConfig, change: MembershipChange): ChangeResult {
  const refuse = (code: MembershipRefusal, detail: string): ChangeResult => ({ ok: false, code, detail });
  switch (change.kind) {
    case 'addLearner': {
      const { id, peer, client } = change.member;
      if (config.removed.includes(id)) return refuse('REMOVED_MEMBER', `${id} was removed from this cluster; a removed id is never reused, pick a new one`);
      if (memberOf(config, id) !== undefined) return refuse('MEMBER_EXISTS', `${id} is already a member`);
      const clash = config.members.find((m) => m.peer === peer || m.client === client);
      if (clash !== undefined) return refuse('MEMBER_EXISTS', `member ${clash.id} already uses ${clash.peer === peer ? `peer address ${peer}` : `client address ${client}`}`);
      const learner: ClusterMember = { id, role: 'learner', peer, client };
      return { ok: true, config: { members: [...config.members, learner], removed: config.removed } };
    }
    case 'promote': {
      const member = memberOf(config, change.id);
      if (member === undefined) return refuse('UNKNOWN_MEMBER', `${change.id} is not a member`);
      if (member.role !== 'learner') return refuse('NOT_A_LEARNER', `${change.id} is already a voter`);
      return { ok: true, config: { members: config.members.map((m) => (m.id === change.id ? { ...m, role: 'voter' } : m)), removed: config.removed } };
    }
    case 'remove': {
      const member = memberOf(config, change.id);
      if (member === undefined) return refuse('UNKNOWN_MEMBER', `${change.id} is not a member`);
      if (member.role === 'voter' && votersOf(config).length === 1) return refuse('WOULD_LOSE_QUORUM', `${change.id} is the last voter`);
      return { ok: true, config: { members: config.members.filter((m) => m.id !== change.id), removed: [...config.removed, change.id] } };
    }
  }
}
