/**
 * Runs a store's writes one at a time, in call order. classic-level hands
 * each batch to a thread pool, so two writes in flight may reach LevelDB in
 * either order; chaining them here is what makes "applied in call order" true.
 *
 * Fail-stop: once a task fails with an I/O error, what is on disk is unknown
 * (etcd panics here), so every later task is refused. A task that fails an
 * assertion before touching the disk leaves the queue usable; the caller has
 * a bug to fix, not a broken disk.
 */
import { AssertionError } from '../util/assert.js';
import { StorageError, messageOf } from './errors.js';

export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown = undefined;

  constructor(private readonly name: string) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.runOne(task));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }

  private async runOne<T>(task: () => Promise<T>): Promise<T> {
    if (this.failure !== undefined) {
      throw new StorageError(
        'STORAGE_IO',
        `${this.name} refuses writes after an earlier failure: ${messageOf(this.failure)}`,
        { cause: this.failure },
      );
    }
    try {
      return await task();
    } catch (err) {
      if (!(err instanceof AssertionError)) this.failure = err;
      throw err;
    }
  }
}
