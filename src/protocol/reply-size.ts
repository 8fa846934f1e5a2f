/**
 * How many bytes a reply will take once encoded, computed from the reply
 * value before anything is encoded, so the edge can refuse to build a reply
 * that would take a connection past its output limit (a GET of a 1 MB value
 * costs 1 MB more the moment it is encoded). An upper bound within a few
 * bytes per element: each header is counted at its longest.
 */
import type { Reply } from './reply.js';

/** `$<length>\r\n` ... `\r\n` at its longest (a 20-digit length). */
const HEADER_BYTES_MAX = 24;

export function replyBytesEstimate(reply: Reply): number {
  switch (reply.type) {
    case 'simple':
    case 'double':
      return reply.value.length + HEADER_BYTES_MAX;
    case 'error':
      return reply.message.length + HEADER_BYTES_MAX;
    case 'int':
      return HEADER_BYTES_MAX;
    case 'bulk':
      return (reply.value?.length ?? 0) + HEADER_BYTES_MAX;
    case 'array': {
      let bytes = HEADER_BYTES_MAX;
      for (const item of reply.items) bytes += (item?.length ?? 0) + HEADER_BYTES_MAX;
      return bytes;
    }
    case 'list':
    case 'push': {
      let bytes = HEADER_BYTES_MAX;
      for (const item of reply.items ?? []) bytes += replyBytesEstimate(item);
      return bytes;
    }
    case 'map': {
      let bytes = HEADER_BYTES_MAX;
      for (const [key, value] of reply.entries) bytes += replyBytesEstimate(key) + replyBytesEstimate(value);
      return bytes;
    }
  }
}
