/**
 * One inbound connection: read-only. Every frame is checked at this edge: its
 * shape (codec.ts), then the relations between its fields that the core relies
 * on (raft/message-checks.ts). Every frame names its cluster and sender;
 * a frame that is not for us (or from a removed member) closes the connection,
 * because a peer that sends one such frame is misconfigured (or not a peer)
 * and will keep doing so. A sender that is neither a member nor removed is
 * accepted: it can be a member this node does not know of yet (directory.ts).
 * No input on this path throws: junk costs the sender its connection, nothing more.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Message, NodeId } from '../raft/types.js';
import { messageRelationProblem } from '../raft/message-checks.js';
import { decodeEnvelope, type WireEnvelope } from './codec.js';
import { FRAME_HEADER_BYTES, FrameDecoder } from './frame.js';
import { clip, type TransportStats } from './stats.js';
import type { PeerTraffic } from './traffic.js';
import type { RateLimitedWarn } from '../log/rate-limited.js';

export interface InboundContext {
  readonly self: NodeId;
  readonly clusterId: string;
  /** Removed members, whose frames are refused; asked on every frame (the set changes at run time). */
  readonly isRemoved: (id: NodeId) => boolean;
  /** Under mutual TLS: the member the connection's certificate names; every frame must come from it. */
  readonly authenticatedAs?: NodeId;
  readonly frameBytesMax: number;
  readonly logger: Logger;
  /** Refusals are logged through this: whoever reaches the port must not be able to flood the log. */
  readonly refusals: RateLimitedWarn;
  readonly stats: TransportStats;
  /**
   * Reports an accepted frame and the address its sender advertises; returns
   * the sender's traffic counters, or null when this node has no link to it
   * (then the frame counts only in stats.received).
   */
  readonly heard: (from: NodeId, listen: string) => PeerTraffic | null;
  /** The connection's sender is known from its first accepted frame. */
  readonly pinned: (sender: NodeId) => void;
  readonly deliver: (message: Message) => void;
}

export function serveInbound(socket: Socket, context: InboundContext): void {
  const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const decoder = new FrameDecoder(context.frameBytesMax);
  // Pinned by the first frame: one connection carries one peer's traffic.
  let sender: NodeId | null = null;

  const refuse = (reason: string, details: Record<string, unknown> = {}): false => {
    context.stats.refused++;
    context.refusals.warn(reason.split(' ', 3).join(' '), { remote, sender, reason, ...details }, 'refused inbound frame; closing connection');
    socket.destroy();
    return false;
  };

  const onFrame = (payload: Uint8Array): boolean => {
    const decoded = decodeEnvelope(payload);
    if (!decoded.ok) return refuse(decoded.error.message, { code: decoded.error.code });
    const problem = envelopeProblem(decoded.envelope, context, sender);
    if (problem !== null) return refuse(problem.reason, problem.details);
    const { from } = decoded.envelope;
    if (sender === null) context.pinned(from);
    sender = from;
    context.stats.received++;
    const traffic = context.heard(from, decoded.envelope.listen);
    if (traffic !== null) {
      traffic.framesReceived++;
      traffic.bytesReceived += FRAME_HEADER_BYTES + payload.length;
    }
    context.deliver(decoded.envelope.message);
    return !socket.destroyed;
  };

  socket.on('data', (chunk: Buffer) => {
    if (socket.destroyed) return;
    const error = decoder.push(chunk, onFrame);
    if (error !== null && !socket.destroyed) refuse(error.message, { code: error.code });
  });
  socket.on('error', (err) => context.logger.debug({ remote, err: err.message }, 'inbound connection error'));
}

interface Problem {
  readonly reason: string;
  readonly details: Record<string, unknown>;
}

function envelopeProblem(envelope: WireEnvelope, context: InboundContext, sender: NodeId | null): Problem | null {
  const { clusterId, from, message } = envelope;
  if (clusterId !== context.clusterId) {
    return { reason: 'wrong cluster id', details: { clusterId: clip(clusterId), expected: context.clusterId } };
  }
  if (from === context.self) return { reason: 'sender is this node', details: { from } };
  if (context.isRemoved(from)) return { reason: 'removed member sent a frame', details: { from } };
  if (context.authenticatedAs !== undefined && from !== context.authenticatedAs) {
    return { reason: 'sender differs from the member its certificate names', details: { from: clip(from), certificate: context.authenticatedAs } };
  }
  if (sender !== null && from !== sender) return { reason: 'sender changed on one connection', details: { from } };
  if (message.from !== from) {
    return { reason: 'message.from differs from envelope sender', details: { from, messageFrom: clip(message.from) } };
  }
  if (message.to !== context.self) return { reason: 'message not addressed to this node', details: { to: clip(message.to) } };
  // The shape was checked by the codec; now the relations the core relies on.
  const relation = messageRelationProblem(message);
  if (relation !== null) return { reason: `hostile message: ${relation}`, details: { type: message.type, from } };
  return null;
}
