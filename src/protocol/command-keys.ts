/**
 * The keys a request touches, from the command table's key positions (what
 * COMMAND reports: first, last, step), for the ACL key patterns
 * (src/node/client-auth.ts). SEQ wraps a write: its keys are the wrapped
 * command's. Commands without key positions (KEYS, SCAN, FLUSHALL, ...)
 * touch none by this measure, as in Redis.
 */
import { positiveInteger } from './args.js';
import { COMMAND_TABLE } from './command-table.js';

/** The key arguments of `args` (the command name first); empty for an unknown command. */
export function commandKeys(args: readonly Buffer[]): Buffer[] {
  const name = args[0]?.toString('latin1').toLowerCase();
  if (name === undefined) return [];
  if (name === 'seq') return commandKeys(args.slice(seqCommandStart(args)));
  const spec = COMMAND_TABLE.get(name);
  if (spec === undefined) return [];
  const [first, lastSpec, step] = spec.keys;
  if (first === 0 || step <= 0) return [];
  const last = lastSpec < 0 ? args.length + lastSpec : Math.min(lastSpec, args.length - 1);
  const keys: Buffer[] = [];
  for (let i = first; i <= last; i += step) keys.push(args[i]!);
  return keys;
}

/** SEQ id n [lowest] <command ...>: where the wrapped command starts (as the SEQ parser reads it). */
function seqCommandStart(args: readonly Buffer[]): number {
  const lowest = args[3];
  return lowest !== undefined && positiveInteger(lowest) !== null ? 4 : 3;
}
