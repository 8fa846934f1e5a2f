/**
 * Applying commands to the key-value state, as a pure plan: given the
 * current values of the keys the commands read, compute the writes for one
 * batch and each command's result. Later commands in a batch see the effects
 * of earlier ones through the overlay.
 */
import type { KvWrite } from '../storage/interfaces.js';
import type { KvCommand, KvResult } from './commands.js';

/** Map key for raw bytes: latin1 maps each byte to one char, losslessly. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** The keys whose current values the commands need (DEL counts, CAS compares). */
export function keysToRead(commands: readonly KvCommand[]): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (const command of commands) {
    if (command.op === 'del') keys.push(...command.keys);
    else if (command.op === 'cas') keys.push(command.key);
  }
  return keys;
}

export interface ApplyPlan {
  readonly writes: KvWrite[];
  readonly results: KvResult[];
}

export function planApply(
  commands: readonly KvCommand[],
  current: ReadonlyMap<string, Uint8Array | undefined>,
): ApplyPlan {
  const overlay = new Map<string, Uint8Array | undefined>(current);
  const writes: KvWrite[] = [];
  const results: KvResult[] = [];
  for (const command of commands) {
    switch (command.op) {
      case 'set':
        overlay.set(keyId(command.key), command.value);
        writes.push({ type: 'put', key: command.key, value: command.value });
        results.push({ type: 'ok' });
        break;
      case 'del': {
        let deleted = 0;
        for (const key of command.keys) {
          const id = keyId(key);
          if (overlay.get(id) === undefined) continue;
          overlay.set(id, undefined);
          writes.push({ type: 'del', key });
          deleted++;
        }
        results.push({ type: 'int', value: deleted });
        break;
      }
      case 'cas': {
        const id = keyId(command.key);
        const now = overlay.get(id);
        const swap = now !== undefined && Buffer.compare(now, command.expected) === 0;
        if (swap) {
          overlay.set(id, command.value);
          writes.push({ type: 'put', key: command.key, value: command.value });
        }
        results.push({ type: 'int', value: swap ? 1 : 0 });
        break;
      }
    }
  }
  return { writes, results };
}
