import { describe, expect, it } from 'vitest';
import type { Operation } from '../../src/check/history.js';
import { checkFinalState } from '../../src/chaos/final-check.js';

let nextId = 0;
function op(fields: Partial<Operation> & Pick<Operation, 'kind' | 'status' | 'call'>): Operation {
  return { id: nextId++, client: 0, key: 'k', return: fields.status === 'unknown' ? null : fields.call + 1, ...fields };
}

const dumps = (value: string | null, nodes = ['n1', 'n2', 'n3']): Map<string, Map<string, string>> =>
  new Map(nodes.map((n) => [n, new Map(value === null ? [] : [['k', value]])]));

describe('checkFinalState', () => {
  const w1 = op({ kind: 'write', value: 'a', status: 'ok', call: 0 });
  const w2 = op({ kind: 'write', value: 'b', status: 'ok', call: 10 });
  const lateUnknown = op({ kind: 'write', value: 'c', status: 'unknown', call: 20 });

  it('accepts the last acknowledged value, or a later one the history allows', () => {
    expect(checkFinalState([w1, w2], ['k'], dumps('b')).ok).toBe(true);
    expect(checkFinalState([w1, w2, lateUnknown], ['k'], dumps('c')).ok).toBe(true);
  });

  it('reports an acknowledged write overwritten by an earlier one as lost', () => {
    const report = checkFinalState([w1, w2], ['k'], dumps('a'));
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatch(/n1 "k": holds "a" .* losing 1 later acknowledged writes \(first: #\d+ c0 write "b"/);
  });

  it('reports a missing key after acknowledged writes, a phantom value, and a failed write that took effect', () => {
    const failed = op({ kind: 'write', value: 'z', status: 'fail', call: 30 });
    expect(checkFinalState([w1], ['k'], dumps(null)).problems[0]).toMatch(/absent, but 1 writes were acknowledged/);
    expect(checkFinalState([w1], ['k'], dumps('q')).problems[0]).toMatch(/which no operation wrote/);
    expect(checkFinalState([w1, failed], ['k'], dumps('z')).problems[0]).toMatch(/written only by failed/);
  });

  it('counts a swapped cas as acknowledged, an unswapped one not', () => {
    const swapped = op({ kind: 'cas', expected: 'a', value: 'd', status: 'ok', swapped: true, call: 40 });
    const notSwapped = op({ kind: 'cas', expected: 'x', value: 'e', status: 'ok', swapped: false, call: 40 });
    expect(checkFinalState([w1, swapped], ['k'], dumps('a')).ok).toBe(false);
    expect(checkFinalState([w1, notSwapped], ['k'], dumps('a')).ok).toBe(true);
  });

  it('reports nodes that disagree', () => {
    const split = new Map([
      ['n1', new Map([['k', 'b']])],
      ['n2', new Map([['k', 'c']])],
    ]);
    const report = checkFinalState([w1, w2, lateUnknown], ['k'], split);
    expect(report.problems).toEqual(['nodes disagree on "k": n1="b" n2="c"']);
  });
});
