/**
 * A reply to a client request, as a value: the client actor and the TCP edge
 * produce these, and the edge encodes them in the protocol the connection
 * chose with HELLO (RESP2 by default, RESP3 after `HELLO 3`). Keeping them
 * structured keeps traces readable and lets tests compare replies without
 * parsing bytes.
 */
import type { KvQueryResult, KvResult } from '../kv/commands.js';
import { concatReplies, encodeBulk, encodeBulkArray, encodeError, encodeInteger, encodeSimpleString, type RespReply } from './resp.js';

export type Reply =
  | { readonly type: 'simple'; readonly value: string } // +OK, +PONG
  | { readonly type: 'error'; readonly message: string } // -ERR ..., -MOVED 3999 h:p
  | { readonly type: 'int'; readonly value: number | bigint }
  | { readonly type: 'bulk'; readonly value: Uint8Array | null }
  /** A flat array of bulk strings (KEYS, MGET): the common case, encoded in one allocation. */
  | { readonly type: 'array'; readonly items: readonly (Uint8Array | null)[] }
  /** An array of any replies; null is the null array (`*-1`, RESP3 `_`). */
  | { readonly type: 'list'; readonly items: readonly Reply[] | null }
  /** RESP3 map (`%`); a flat array of alternating keys and values in RESP2. */
  | { readonly type: 'map'; readonly entries: ReadonlyArray<readonly [Reply, Reply]> }
  /** RESP3 double (`,`); a bulk string in RESP2 (INCRBYFLOAT). */
  | { readonly type: 'double'; readonly value: string }
  /** RESP3 out-of-band push (`>`, pub/sub messages); an array in RESP2. */
  | { readonly type: 'push'; readonly items: readonly Reply[] };

export type Protocol = 2 | 3;

export const OK: Reply = { type: 'simple', value: 'OK' };
export const NULL: Reply = { type: 'bulk', value: null };

export function errorReply(message: string): Reply {
  return { type: 'error', message };
}

export function bulkText(text: string): Reply {
  return { type: 'bulk', value: Buffer.from(text, 'utf8') };
}

export function intReply(value: number | bigint): Reply {
  return { type: 'int', value };
}

export function listReply(items: readonly Reply[]): Reply {
  return { type: 'list', items };
}

/** A map from text keys (HELLO, COMMAND DOCS, CLUSTER SHARDS). */
export function textMap(entries: ReadonlyArray<readonly [string, Reply]>): Reply {
  return { type: 'map', entries: entries.map(([k, v]) => [bulkText(k), v] as const) };
}

export function resultReply(result: KvResult): Reply {
  switch (result.type) {
    case 'ok':
      return OK;
    case 'int':
      return { type: 'int', value: result.value };
    case 'error':
      return errorReply(result.message);
    case 'bulk':
      return { type: 'bulk', value: result.value };
    case 'values':
      return { type: 'array', items: result.values };
    case 'double':
      return { type: 'double', value: result.value };
    case 'results':
      return { type: 'list', items: result.results === null ? null : result.results.map(resultReply) };
    case 'simple':
      return { type: 'simple', value: result.value };
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
    case 'values':
      return { type: 'array', items: result.values };
    case 'simple':
      return { type: 'simple', value: result.value };
    case 'scan':
      return { type: 'list', items: [{ type: 'bulk', value: Buffer.from(result.cursor, 'latin1') }, { type: 'array', items: result.keys }] };
    case 'expired':
      return { type: 'array', items: result.keys };
  }
}

const RESP3_NULL = '_\r\n';

/** The bytes of a reply in the given protocol. */
export function encodeReply(reply: Reply, protocol: Protocol = 2): RespReply {
  switch (reply.type) {
    case 'simple':
      return encodeSimpleString(reply.value);
    case 'error':
      return encodeError(reply.message);
    case 'int':
      return encodeInteger(reply.value);
    case 'bulk':
      return reply.value === null && protocol === 3 ? RESP3_NULL : encodeBulk(reply.value);
    case 'array':
      return encodeBulkArray(reply.items, protocol === 3 ? RESP3_NULL : undefined);
    case 'list':
      if (reply.items === null) return protocol === 3 ? RESP3_NULL : '*-1\r\n';
      return aggregate('*', reply.items.length, reply.items, protocol);
    case 'map':
      return protocol === 3
        ? aggregate('%', reply.entries.length, reply.entries.flat(), protocol)
        : aggregate('*', reply.entries.length * 2, reply.entries.flat(), protocol);
    case 'double':
      return protocol === 3 ? `,${reply.value}\r\n` : encodeBulk(Buffer.from(reply.value, 'latin1'));
    case 'push':
      return aggregate(protocol === 3 ? '>' : '*', reply.items.length, reply.items, protocol);
  }
}

function aggregate(marker: string, count: number, items: readonly Reply[], protocol: Protocol): RespReply {
  const parts: RespReply[] = [`${marker}${count}\r\n`];
  for (const item of items) parts.push(encodeReply(item, protocol));
  return concatReplies(parts);
}
