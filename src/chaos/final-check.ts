/**
 * After healing: is every acknowledged write present on every node? Each node's
 * stored value for each key is compared with the history. Values are unique, so a
 * stored value names the one operation that wrote it, S. The node lost an
 * acknowledged write W when W took effect (an ok write, or an ok cas that swapped)
 * and W was invoked after S had returned: W is linearized after S, and nothing can
 * write S's value again, so the value would have to be W's or a later one. A value
 * nobody wrote, or only a failed operation wrote, is a phantom. An absent key is
 * wrong once any write of it was acknowledged (the workload never deletes).
 */
import { precedes, type Operation } from '../check/history.js';
import { formatOperation } from '../check/format.js';

export interface FinalStateReport {
  readonly ok: boolean;
  readonly problems: string[];
  /** Per node, per key: the value found (null when absent). */
  readonly values: Record<string, Record<string, string | null>>;
}

export function checkFinalState(history: readonly Operation[], keys: readonly string[], dumps: ReadonlyMap<string, ReadonlyMap<string, string>>): FinalStateReport {
  const problems: string[] = [];
  const values: Record<string, Record<string, string | null>> = {};
  for (const [node, dump] of dumps) {
    values[node] = {};
    for (const key of keys) {
      const value = dump.get(key) ?? null;
      values[node]![key] = value;
      problems.push(...keyProblems(history.filter((op) => op.key === key), value).map((p) => `${node} ${JSON.stringify(key)}: ${p}`));
    }
  }
  problems.push(...divergence(values, keys));
  return { ok: problems.length === 0, problems, values };
}

function keyProblems(ops: readonly Operation[], value: string | null): string[] {
  const acknowledged = ops.filter((op) => op.status === 'ok' && (op.kind === 'write' || (op.kind === 'cas' && op.swapped === true)));
  if (value === null) {
    return acknowledged.length === 0 ? [] : [`absent, but ${acknowledged.length} writes were acknowledged (last invoked: ${describe(latest(acknowledged))})`];
  }
  const writers = ops.filter((op) => (op.kind === 'write' || op.kind === 'cas') && op.value === value);
  const writer = writers.find((op) => op.status !== 'fail');
  if (writer === undefined) {
    const failed = writers[0];
    return [failed ? `holds ${JSON.stringify(value)}, written only by failed ${describe(failed)}` : `holds ${JSON.stringify(value)}, which no operation wrote`];
  }
  const overwritten = acknowledged.filter((op) => op !== writer && precedes(writer, op));
  if (overwritten.length === 0) return [];
  return [`holds ${JSON.stringify(value)} from ${describe(writer)}, losing ${overwritten.length} later acknowledged writes (first: ${describe(overwritten[0]!)})`];
}

function divergence(values: Record<string, Record<string, string | null>>, keys: readonly string[]): string[] {
  const nodes = Object.keys(values);
  const problems: string[] = [];
  for (const key of keys) {
    const seen = new Set(nodes.map((n) => values[n]![key] ?? null));
    if (seen.size > 1) problems.push(`nodes disagree on ${JSON.stringify(key)}: ${nodes.map((n) => `${n}=${JSON.stringify(values[n]![key])}`).join(' ')}`);
  }
  return problems;
}

function latest(ops: readonly Operation[]): Operation {
  return ops.reduce((a, b) => (b.call > a.call ? b : a));
}

function describe(op: Operation): string {
  return `#${op.id} c${op.client} ${formatOperation(op)} [${op.call} .. ${op.return ?? '?'}] ${op.status}`;
}
