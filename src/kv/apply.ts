/**
 * Applying commands to the key-value state, as a pure plan: given the
 * current values of the keys the commands read, compute the writes for one
 * batch and each command's result. Later commands in a batch see the effects
 * of earlier ones through the overlay.
 */
import type { LogIndex } from '../raft/types.js';
import type { KvWrite } from '../storage/interfaces.js';
import type { KvCommand, KvResult, KvWriteCommand } from './commands.js';
import type { SessionTable } from './sessions.js';

/** Map key for raw bytes: latin1 maps each byte to one char, losslessly. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** The keys whose current values the commands need (DEL counts, CAS compares). */
export function keysToRead(commands: readonly IndexedCommand[]): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (const { command } of commands) {
    if (command.op === 'del') keys.push(...command.keys);
    else if (command.op === 'cas') keys.push(command.key);
  }
  return keys;
}

export interface ApplyPlan {
  readonly writes: KvWrite[];
  readonly results: KvResult[];
}

export interface IndexedCommand {
  readonly index: LogIndex;
  readonly command: KvCommand;
}

/**
 * Plans one batch. Session bookkeeping happens here too, in log order: a
 * write whose (session, seq) was already applied gets its recorded result
 * and changes nothing.
 */
export function planApply(
  commands: readonly IndexedCommand[],
  current: ReadonlyMap<string, Uint8Array | undefined>,
  sessions: SessionTable,
): ApplyPlan {
  const overlay = new Map<string, Uint8Array | undefined>(current);
  const writes: KvWrite[] = [];
  const results: KvResult[] = [];
  for (const { index, command } of commands) {
    if (command.op === 'session-open') {
      results.push(sessions.open(index));
      continue;
    }
    const admission = command.session ? sessions.admit(command.session, index) : ({ apply: true } as const);
    if (!admission.apply) {
      results.push(admission.result);
      continue;
    }
    const result = applyWrite(command, overlay, writes);
    if (command.session) sessions.record(command.session, index, result);
    results.push(result);
  }
  return { writes, results };
}

function applyWrite(command: KvWriteCommand, overlay: Map<string, Uint8Array | undefined>, writes: KvWrite[]): KvResult {
  switch (command.op) {
    case 'set':
      overlay.set(keyId(command.key), command.value);
      writes.push({ type: 'put', key: command.key, value: command.value });
      return { type: 'ok' };
    case 'del': {
      let deleted = 0;
      for (const key of command.keys) {
        const id = keyId(key);
        if (overlay.get(id) === undefined) continue;
        overlay.set(id, undefined);
        writes.push({ type: 'del', key });
        deleted++;
      }
      return { type: 'int', value: deleted };
    }
    case 'cas': {
      const id = keyId(command.key);
      const now = overlay.get(id);
      const swap = now !== undefined && Buffer.compare(now, command.expected) === 0;
      if (swap) {
        overlay.set(id, command.value);
        writes.push({ type: 'put', key: command.key, value: command.value });
      }
      return { type: 'int', value: swap ? 1 : 0 };
    }
  }
}
