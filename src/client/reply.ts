/**
 * A RESP2 reply as the client sees it. Bulk strings stay raw bytes: the store is
 * binary-safe, and only the caller knows whether a value is text.
 */
export type Reply =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'bulk'; readonly value: Buffer | null }
  | { readonly type: 'array'; readonly value: readonly Reply[] | null };

/** Renders a reply the way redis-cli does; for logs, errors and the REPL. */
export function describeReply(reply: Reply): string {
  switch (reply.type) {
    case 'simple':
      return reply.value;
    case 'error':
      return `(error) ${reply.message}`;
    case 'integer':
      return `(integer) ${reply.value}`;
    case 'bulk':
      return reply.value === null ? '(nil)' : JSON.stringify(reply.value.toString('utf8'));
    case 'array':
      if (reply.value === null) return '(nil)';
      return `[${reply.value.map(describeReply).join(', ')}]`;
  }
}
