/** The first key a command or query names (for the slot in a -MOVED redirect), or null. */
import type { KvCommand, KvQuery } from './commands.js';

export function firstKey(request: KvCommand | KvQuery): Uint8Array | null {
  const r = request as { key?: Uint8Array; keys?: readonly Uint8Array[]; pairs?: ReadonlyArray<readonly [Uint8Array, Uint8Array]> };
  return r.key ?? r.keys?.[0] ?? r.pairs?.[0]?.[0] ?? null;
}
