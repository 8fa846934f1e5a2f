/**
 * The Network actor connects the bus to a Transport: `net.send` events go
 * out, received messages come in as `net.recv`. It keeps the transport's
 * peers in step with the configuration in force (`raft.membership`): new
 * members are dialled, departed ones dropped, removed ones refused.
 */
import type { MessageBus } from '../bus/bus.js';
import { tryParseHostPort } from '../config/address.js';
import type { ClusterConfig } from '../raft/membership/config.js';
import type { MemberDirectory } from '../node/member-directory.js';
import type { PeerAddress, Transport } from '../transport/transport.js';
import type { NodeId } from '../raft/types.js';

export class NetworkActor {
  constructor(
    private readonly bus: MessageBus,
    private readonly transport: Transport,
    /** Where members listen; absent: the transport's peers stay as it was built (tests, replay). */
    private readonly directory?: MemberDirectory,
  ) {
    bus.on('net.send', (event) => {
      for (const message of event.messages) this.transport.send(message);
    });
    if (directory !== undefined) {
      this.follow(null, []);
      bus.on('raft.membership', (event) => this.follow(event.config, event.removed));
    }
  }

  start(): Promise<void> {
    return this.transport.start(
      (message) => this.bus.publish({ type: 'net.recv', message }),
      (peer) => this.bus.publish({ type: 'net.disconnected', peer }),
    );
  }

  stop(): Promise<void> {
    return this.transport.stop();
  }

  /** `config` null at construction: the directory's own view. `removed`: by a committed configuration only. */
  private follow(config: ClusterConfig | null, removed: readonly NodeId[]): void {
    const directory = this.directory!;
    if (config !== null) directory.update(config);
    const peers: PeerAddress[] = [];
    for (const member of directory.members()) {
      // Checked when the configuration was decoded; an in-process fake's addresses may not be host:port.
      const address = tryParseHostPort(member.peer);
      if (typeof address !== 'string') peers.push({ id: member.id, ...address });
    }
    // A joining node knows no configuration yet: it keeps the peers it was built with until it learns one.
    if (peers.length > 0) this.transport.setMembers(peers);
    this.transport.setRemoved(removed);
  }
}
