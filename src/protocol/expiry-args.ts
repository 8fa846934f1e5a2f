/**
 * Expiry arguments (SET's EX/PX/EXAT/PXAT, GETEX's, EXPIRE's) with Redis's
 * checks and wording: an amount in seconds or ms becomes an ExpirySpec in ms,
 * relative to the entry's time or absolute.
 */
import type { ExpirySpec } from '../kv/commands.js';
import { integerArg, NOT_INTEGER } from './args.js';

export type ExpiryUnit = 'ex' | 'px' | 'exat' | 'pxat';

export const EXPIRY_UNITS: ReadonlySet<string> = new Set(['ex', 'px', 'exat', 'pxat']);

/** Most ms an expiry may name: beyond it the arithmetic would lose precision. */
const EXPIRY_MS_MAX = Number.MAX_SAFE_INTEGER / 2;

/** SET/GETEX: a positive amount; EXPIRE: any integer (`allowNonPositive`). */
export function expiryArg(unit: ExpiryUnit, arg: Buffer, command: string, allowNonPositive = false): ExpirySpec | string {
  const amount = integerArg(arg);
  if (amount === null) return NOT_INTEGER;
  const invalid = `ERR invalid expire time in '${command}' command`;
  if (!allowNonPositive && amount <= 0) return invalid;
  const ms = unit === 'ex' || unit === 'exat' ? amount * 1000 : amount;
  if (Math.abs(ms) > EXPIRY_MS_MAX) return invalid;
  return unit === 'exat' || unit === 'pxat' ? { at: ms } : { in: ms };
}
