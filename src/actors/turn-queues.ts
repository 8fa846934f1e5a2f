/**
 * One FIFO queue per connection, served in turns: whoever is taken from goes
 * to the back of the rotation, so a connection with a thousand items waiting
 * delays another's by one of its own per turn, not by all of them. The Client
 * actor's store reads and its writes waiting for room in the log both wait
 * this way.
 */
export class TurnQueues<K, V> {
  /** Each key's waiting items; the map's insertion order is the rotation. */
  private readonly queues = new Map<K, V[]>();

  push(key: K, value: V): void {
    const queue = this.queues.get(key);
    if (queue === undefined) this.queues.set(key, [value]);
    else queue.push(value);
  }

  /** The item whose turn it is, left in place. */
  peek(): V | undefined {
    const first = this.queues.values().next();
    return first.done === true ? undefined : first.value[0];
  }

  /** Takes the item whose turn it is; its key goes to the back of the rotation if it has more. */
  take(): V | undefined {
    const first = this.queues.entries().next();
    if (first.done === true) return undefined;
    const [key, queue] = first.value;
    const value = queue.shift()!;
    this.queues.delete(key);
    if (queue.length > 0) this.queues.set(key, queue);
    return value;
  }

  /** Removes the first of key's items that matches; whether one did. */
  remove(key: K, matches: (value: V) => boolean): boolean {
    const queue = this.queues.get(key);
    const at = queue?.findIndex(matches) ?? -1;
    if (at < 0) return false;
    queue!.splice(at, 1);
    if (queue!.length === 0) this.queues.delete(key);
    return true;
  }

  isEmpty(): boolean {
    return this.queues.size === 0;
  }
}
