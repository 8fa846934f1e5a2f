/**
 * Where each current member listens, as the configuration in force says
 * (`raft.membership`), for whoever redirects clients or describes the
 * cluster: -MOVED, INFO, CLUSTER SLOTS/NODES, ROLE. A configuration recorded
 * before addresses were logged has empty addresses; those come from the
 * config files the node started with.
 */
import type { MemberConfig } from '../config/types.js';
import type { ClusterConfig, MemberRole } from '../raft/membership/config.js';
import type { NodeId } from '../raft/types.js';

export interface DirectoryMember extends MemberConfig {
  readonly role: MemberRole;
}

export class MemberDirectory {
  private current: readonly DirectoryMember[];

  constructor(
    private readonly bootstrap: readonly MemberConfig[],
    config: ClusterConfig | null,
  ) {
    this.current = this.resolve(config);
  }

  update(config: ClusterConfig | null): void {
    this.current = this.resolve(config);
  }


  /** Every member, voters first in configuration order. */
  members(): readonly DirectoryMember[] {
    return this.current;
  }

  find(id: NodeId | null): DirectoryMember | undefined {
    return id === null ? undefined : this.current.find((m) => m.id === id);
  }

  private resolve(config: ClusterConfig | null): DirectoryMember[] {
    if (config === null) return [];
    const members = config.members.map((m) => {
      const known = this.bootstrap.find((b) => b.id === m.id);
      return { id: m.id, role: m.role, peer: m.peer || (known?.peer ?? ''), client: m.client || (known?.client ?? '') };
    });
    return [...members.filter((m) => m.role === 'voter'), ...members.filter((m) => m.role === 'learner')];
  }
}
