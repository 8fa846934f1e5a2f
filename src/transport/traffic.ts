/**
 * Frames and bytes that crossed the wire, per peer: what a transport wrote
 * to its link to each peer and read from each peer's connection to it. The
 * transport owns the counters and bumps plain numbers on its hot path; metrics
 * read a copy when Prometheus scrapes.
 *
 * A byte counts once the transport hands it to the socket (sent) or accepts
 * the frame it belongs to from a peer it has a link to (received). Frames
 * refused at the edge belong to no peer and are counted only in
 * TransportStats.refused; frames accepted from a sender this node has no link
 * to (learned links full) only in TransportStats.received.
 */
import type { NodeId } from '../raft/types.js';

export interface PeerTraffic {
  framesSent: number;
  /** Frame bytes written, length prefix included. */
  bytesSent: number;
  framesReceived: number;
  /** Frame bytes read and accepted, length prefix included. */
  bytesReceived: number;
}

/** The read-only view every Transport offers: one copied record per peer it has exchanged frames with (or knows). */
export interface PeerTrafficSource {
  peerTraffic(): ReadonlyMap<NodeId, Readonly<PeerTraffic>>;
}

/** The one owner of a transport's per-peer counters. */
export class PeerTrafficCounters implements PeerTrafficSource {
  private readonly peers = new Map<NodeId, PeerTraffic>();

  constructor(known: readonly NodeId[] = []) {
    for (const id of known) this.of(id);
  }

  /** The live record for peer (created at zero); hold it on the hot path and bump its fields. */
  of(peer: NodeId): PeerTraffic {
    let traffic = this.peers.get(peer);
    if (traffic === undefined) {
      traffic = { framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0 };
      this.peers.set(peer, traffic);
    }
    return traffic;
  }

  /** Drops peer's record (a learned link closed: senders that come and go must not grow this map without bound). */
  forget(peer: NodeId): void {
    this.peers.delete(peer);
  }

  peerTraffic(): ReadonlyMap<NodeId, Readonly<PeerTraffic>> {
    const copy = new Map<NodeId, PeerTraffic>();
    for (const [id, traffic] of this.peers) copy.set(id, { ...traffic });
    return copy;
  }
}
