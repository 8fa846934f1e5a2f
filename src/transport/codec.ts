/**
 * The wire envelope of node-to-node traffic, encoded with msgpackr.
 *
 * Records are used for log entries only, structured clone is off. With no
 * shared `structures`, msgpackr writes a record definition inline at its first
 * use within a message, so every payload decodes on its own (a restarted peer
 * needs no history) while the entries of an AppendEntries share one definition.
 * Measured here: decoding a 100-entry AppendEntries is 2-3x faster than with
 * plain maps, and small messages stay as fast as plain maps (records for them
 * would cost a definition per message and halve their speed).
 * Byte strings (entry data) travel as msgpack `bin` and come back as
 * Uint8Array views of the frame: no copy, but they keep the frame's memory
 * alive for as long as the entry is referenced.
 */
import { Packr } from 'msgpackr';
import type { Message, NodeId } from '../raft/types.js';
import { badEnvelope, type TransportError } from './errors.js';
import { isHostPort, isRecord, LISTEN_CHARS_MAX, messageProblem } from './validate.js';

export interface WireEnvelope {
  readonly clusterId: string;
  readonly from: NodeId;
  /** The sender's advertised peer address (host:port): where a receiver that does not know it answers. */
  readonly listen: string;
  readonly message: Message;
}

export type DecodeResult =
  | { readonly ok: true; readonly envelope: WireEnvelope }
  | { readonly ok: false; readonly error: TransportError };

const packr = new Packr({
  useRecords: (value: Record<string, unknown>) => value['data'] !== undefined,
  structuredClone: false,
  mapsAsObjects: true,
  // Entry data must stay bytes: never turn a bin into anything else.
  moreTypes: false,
});

/**
 * The returned buffer is a view into msgpackr's output buffer; it is never
 * overwritten by later encodes, so it may be queued and framed later.
 */
export function encodeEnvelope(envelope: WireEnvelope): Uint8Array {
  return packr.pack(envelope);
}

/** Never throws: junk yields a BAD_ENVELOPE error. */
export function decodeEnvelope(payload: Uint8Array): DecodeResult {
  let value: unknown;
  try {
    value = packr.unpack(payload);
  } catch (cause) {
    return { ok: false, error: badEnvelope('not msgpack', cause) };
  }
  const problem = envelopeProblem(value);
  if (problem !== null) return { ok: false, error: badEnvelope(problem) };
  normalizeBytes((value as WireEnvelope).message);
  return { ok: true, envelope: value as WireEnvelope };
}

function envelopeProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'envelope is not a map';
  if (typeof value['clusterId'] !== 'string') return 'clusterId is not a string';
  if (typeof value['from'] !== 'string') return 'from is not a string';
  const listen = value['listen'];
  if (typeof listen !== 'string' || listen.length > LISTEN_CHARS_MAX || !isHostPort(listen)) {
    return `listen is not a host:port of at most ${LISTEN_CHARS_MAX} characters with a port 1-65535`;
  }
  return messageProblem(value['message']);
}

/**
 * msgpackr decodes bin as a Node Buffer; present plain Uint8Array views (no
 * copy) so a decoded message deep-equals the one that was sent, in traces and
 * replays as well as tests.
 */
function normalizeBytes(message: Message): void {
  if (message.type === 'InstallSnapshot' && message.data.constructor !== Uint8Array) {
    const data = message.data;
    (message as { data: Uint8Array }).data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  if (message.type !== 'AppendEntries') return;
  for (const entry of message.entries) {
    const data = entry.data;
    if (data.constructor !== Uint8Array) {
      (entry as { data: Uint8Array }).data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
  }
}
