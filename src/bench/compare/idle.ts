/** CPU a freshly started, unloaded system uses, in cores (CPU seconds per second). */
import { totalCpuSeconds } from '../clusters/proc.js';

export async function measureIdleCores(pids: readonly number[], seconds: number): Promise<number> {
  const before = totalCpuSeconds(pids);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return (totalCpuSeconds(pids) - before) / ((performance.now() - started) / 1000);
}
