/**
 * Coalescing per event-loop turn: the returned function may be called any
 * number of times; `fn` runs once, in the check phase (setImmediate) after
 * the I/O callbacks of this turn. Writers use it to send everything queued in
 * one turn with one write() (loopback TCP manages ~170,000 small writes a
 * second, but millions of frames when they are batched).
 */
export function oncePerTurn(fn: () => void): () => void {
  let scheduled = false;
  const run = (): void => {
    scheduled = false;
    fn();
  };
  return () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(run);
  };
}
