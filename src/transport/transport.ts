/**
 * How Raft messages travel between nodes. A transport is best-effort, as Raft
 * assumes: messages may be lost, delayed, duplicated or reordered, and send()
 * never blocks or throws for a peer that is down.
 */
import type { Message, NodeId } from '../raft/types.js';

export interface Transport {
  /**
   * Starts listening; every accepted message goes to onMessage. Accepted: from
   * any sender but this node and the removed ids (a sender that is not a
   * member can be one this node does not know of yet; see setMembers).
   * onDisconnected hears of each established link to a peer that closes (a
   * crashed peer's kernel closes its sockets at once): a hint, not proof,
   * that the peer is gone. A link that never connected is not news.
   */
  start(onMessage: (message: Message) => void, onDisconnected?: (peer: NodeId) => void): Promise<void>;
  /**
   * Queues message for message.to; drops it (and counts the drop) when this
   * node has no link to it (not a member, not learned, or removed) or that
   * peer's queue is full.
   */
  send(message: Message): void;
  /**
   * The current members other than this node (self is ignored if listed),
   * with their peer addresses; callable before start() and while running.
   * New ids get a link (dialled at once when running); ids no longer listed
   * lose theirs (what was queued for them is dropped and counted, the
   * connection closed), learned links included; a changed address gets a
   * new link. Idempotent: an unchanged list leaves every link as it was.
   *
   * A frame from a sender with no link (neither a member nor removed) is
   * accepted, and the transport opens a learned link to the address the
   * sender advertises, so this node can answer a member it does not know of
   * yet. Learned links are bounded in number and closed when idle.
   */
  setMembers(peers: readonly PeerAddress[]): void;
  /**
   * The complete set of ids removed from the cluster (it replaces the last
   * one). Their frames are refused (logged, rate-limited), their inbound
   * connections closed, sends to them dropped; a removed id is never
   * dialled, even if setMembers lists it.
   */
  setRemoved(ids: readonly NodeId[]): void;
  /** Stops listening, closes every connection, drops what is queued. */
  stop(): Promise<void>;
}

export interface PeerAddress {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
}
