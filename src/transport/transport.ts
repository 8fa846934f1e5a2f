/**
 * How Raft messages travel between nodes. A transport is best-effort, as Raft
 * assumes: messages may be lost, delayed, duplicated or reordered, and send()
 * never blocks or throws for a peer that is down.
 */
import type { Message, NodeId } from '../raft/types.js';

export interface Transport {
  /** Starts listening; every accepted message from a known peer goes to onMessage. */
  start(onMessage: (message: Message) => void): Promise<void>;
  /** Queues message for message.to; drops it (and counts the drop) when that peer's queue is full. */
  send(message: Message): void;
  /** Stops listening, closes every connection, drops what is queued. */
  stop(): Promise<void>;
}

export interface PeerAddress {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
}
