/** Counters every transport keeps, for tests and metrics. */
export interface TransportStats {
  /** Messages handed to the network (written to a socket, or to the memory hub). */
  sent: number;
  /** Messages accepted from a known peer and delivered to onMessage. */
  received: number;
  /** Messages not sent: queue full, unknown or down destination, too large, transport stopped. */
  dropped: number;
  /** Inbound frames refused (wrong cluster, removed or self sender, not for us, oversized, undecodable). */
  refused: number;
  /** Outbound connections re-established after an earlier one to the same peer was lost. */
  reconnects: number;
}

export function emptyStats(): TransportStats {
  return { sent: 0, received: 0, dropped: 0, refused: 0, reconnects: 0 };
}

/** Shortens remote-controlled strings before they reach a log line. */
export function clip(value: unknown, charsMax = 64): string {
  const text = String(value);
  return text.length <= charsMax ? text : `${text.slice(0, charsMax)}...(${text.length} chars)`;
}
