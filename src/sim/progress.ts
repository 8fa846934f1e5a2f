/**
 * Batch progress: a cli-progress bar on a terminal, otherwise one line every
 * few seconds (CI logs, pipes).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, violations: number, events: number): void;
  stop(): void;
}

const LINE_INTERVAL_MS = 5_000;

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, label = 'seeds'): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `sim [{bar}] {value}/{total} ${label} | {violations} violations | {events} events | {duration_formatted}`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { violations: 0, events: 0 });
    return {
      update: (done, violations, events) => bar.update(done, { violations, events }),
      stop: () => bar.stop(),
    };
  }
  let last = Date.now();
  return {
    update: (done, violations, events) => {
      if (Date.now() - last < LINE_INTERVAL_MS) return;
      last = Date.now();
      stream.write(`sim: ${done}/${total} ${label}, ${violations} violations, ${events} events\n`);
    },
    stop: () => {},
  };
}
