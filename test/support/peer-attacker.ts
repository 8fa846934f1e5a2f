/**
 * An attacker on the peer port: opens a plain TCP (or TLS) connection to a
 * node's peer address and sends Raft frames carrying the cluster id and a
 * member id, as anyone who can read a config file and INFO can.
 */
import net from 'node:net';
import tls from 'node:tls';
import { parseHostPort } from '../../src/config/address.js';
import type { Message } from '../../src/raft/types.js';
import { encodeEnvelope } from '../../src/transport/codec.js';
import { encodeFrame } from '../../src/transport/frame.js';

/** The peer address the attacker's envelopes advertise unless told otherwise: the discard port, where nobody listens. */
export const ATTACKER_LISTEN = '127.0.0.1:9';

export interface AttackTarget {
  readonly peer: string;
  readonly clusterId: string;
}

/** Sends the frames on one connection and resolves once the node has closed it or `lingerMs` passed. */
export async function sendFrames(
  target: AttackTarget,
  messages: readonly Message[],
  options: { lingerMs?: number; tls?: tls.ConnectionOptions; listen?: string } = {},
): Promise<{ closedByNode: boolean }> {
  const { host, port } = parseHostPort(target.peer);
  const socket = options.tls
    ? tls.connect({ host, port, ...options.tls })
    : net.connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
  for (const message of messages) {
    socket.write(encodeFrame(encodeEnvelope({ clusterId: target.clusterId, from: message.from, listen: options.listen ?? ATTACKER_LISTEN, message })));
  }
  socket.resume();
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.lingerMs ?? 300));
  const closedByNode = await Promise.race([closed, timer]);
  socket.destroy();
  return { closedByNode };
}
