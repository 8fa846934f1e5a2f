/**
 * A reply to a client request, as a value: the client actor produces these,
 * the TCP edge encodes them as RESP2. Keeping them structured keeps traces
 * readable and lets tests compare replies without parsing bytes.
 */
import type { KvQueryResult, KvResult } from '../kv/commands.js';
import {
  encodeBulk,
  encodeBulkArray,
  encodeError,
  encodeInteger,
  encodeSimpleString,
  type RespReply,
} from './resp.js';

export type Reply =
  | { readonly type: 'simple'; readonly value: string } // +OK, +PONG
  | { readonly type: 'error'; readonly message: string } // -ERR ..., -MOVED 0 h:p
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'bulk'; readonly value: Uint8Array | null }
  | { readonly type: 'array'; readonly items: readonly Uint8Array[] };

export const OK: Reply = { type: 'simple', value: 'OK' };

export function errorReply(message: string): Reply {
  return { type: 'error', message };
}

export function resultReply(result: KvResult): Reply {
  switch (result.type) {
    case 'ok':
      return OK;
    case 'int':
      return { type: 'int', value: result.value };
    case 'error':
      return errorReply(result.message);
  }
}

export function queryReply(result: KvQueryResult): Reply {
  switch (result.type) {
    case 'value':
      return { type: 'bulk', value: result.value };
    case 'int':
      return { type: 'int', value: result.value };
    case 'keys':
      return { type: 'array', items: result.keys };
  }
}

/** RESP2 bytes for a reply. */
export function encodeReply(reply: Reply): RespReply {
  switch (reply.type) {
    case 'simple':
      return encodeSimpleString(reply.value);
    case 'error':
      return encodeError(reply.message);
    case 'int':
      return encodeInteger(reply.value);
    case 'bulk':
      return encodeBulk(reply.value);
    case 'array':
      return encodeBulkArray(reply.items);
  }
}
