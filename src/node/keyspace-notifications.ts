/**
 * Redis keyspace notifications from this node's applied stream: each applied
 * batch's key events become messages on `__keyspace@0__:<key>` (the event
 * name) and `__keyevent@0__:<event>` (the key), as CONFIG SET
 * notify-keyspace-events selects (K, E; classes g, $, x, or A for all).
 * Every node publishes what it applies, in commit order; a subscriber that
 * reconnects misses what was applied meanwhile (resume from a SCAN, using
 * `applied_index` in INFO raftkv to know where the state was).
 */
import { compileGlob } from '../protocol/glob.js';
import type { Reply } from '../protocol/reply.js';
import type { KeyEvent } from '../kv/write-ops.js';

export interface Notification {
  readonly channel: Buffer;
  readonly message: Buffer;
}

export function notificationsFor(events: readonly KeyEvent[], flags: string): Notification[] {
  const keyspace = flags.includes('K');
  const keyevent = flags.includes('E');
  if (!keyspace && !keyevent) return [];
  const out: Notification[] = [];
  for (const { event, type, key } of events) {
    if (!flags.includes(type) && !flags.includes('A')) continue;
    if (keyspace) out.push({ channel: Buffer.concat([Buffer.from('__keyspace@0__:'), key]), message: Buffer.from(event) });
    if (keyevent) out.push({ channel: Buffer.from(`__keyevent@0__:${event}`), message: Buffer.from(key) });
  }
  return out;
}

/** One connection's subscriptions. */
export class Subscriptions {
  readonly channels = new Set<string>();
  readonly patterns = new Map<string, (bytes: Uint8Array) => boolean>();

  get count(): number {
    return this.channels.size + this.patterns.size;
  }

  /** The pushes for one notification this connection subscribed to. */
  messagesFor(n: Notification): Reply[] {
    const bulk = (value: Uint8Array): Reply => ({ type: 'bulk', value });
    const out: Reply[] = [];
    if (this.channels.has(n.channel.toString('latin1'))) out.push({ type: 'push', items: [bulk(Buffer.from('message')), bulk(n.channel), bulk(n.message)] });
    for (const [pattern, matches] of this.patterns) {
      if (matches(n.channel)) out.push({ type: 'push', items: [bulk(Buffer.from('pmessage')), bulk(Buffer.from(pattern, 'latin1')), bulk(n.channel), bulk(n.message)] });
    }
    return out;
  }

  /** (P)SUBSCRIBE / (P)UNSUBSCRIBE: one confirmation push per name, as Redis sends. */
  change(command: string, names: readonly Buffer[]): Reply[] {
    const pattern = command.startsWith('p');
    const set = pattern ? this.patterns : this.channels;
    const targets = names.length > 0 ? names.map((n) => n.toString('latin1')) : [...set.keys()];
    const replies: Reply[] = [];
    for (const name of targets) {
      if (command.endsWith('unsubscribe')) {
        if (pattern) this.patterns.delete(name);
        else this.channels.delete(name);
      } else if (pattern) this.patterns.set(name, compileGlob(Buffer.from(name, 'latin1')));
      else this.channels.add(name);
      replies.push({ type: 'push', items: [{ type: 'bulk', value: Buffer.from(command) }, { type: 'bulk', value: Buffer.from(name, 'latin1') }, { type: 'int', value: this.count }] });
    }
    if (targets.length === 0) replies.push({ type: 'push', items: [{ type: 'bulk', value: Buffer.from(command) }, { type: 'bulk', value: null }, { type: 'int', value: 0 }] });
    return replies;
  }
}
