import { describe, expect, it } from 'vitest';
import { validateHistory } from '../../src/check/history.js';
import { ClientError } from '../../src/client/errors.js';
import { classifyError, classifyReply, classifyServerError } from '../../src/chaos/outcome.js';
import { HistoryRecorder } from '../../src/chaos/recorder.js';

describe('outcome classification', () => {
  it('refusals are fail; MOVED carries the leader address to redirect to', () => {
    expect(classifyServerError('MOVED 0 127.0.0.12:7002')).toEqual({ status: 'fail', reason: 'moved', redirect: '127.0.0.12:7002' });
    expect(classifyServerError('TRYAGAIN no leader').status).toBe('fail');
    expect(classifyServerError('BUSY 20000 requests pending').status).toBe('fail');
    expect(classifyServerError('ERR write lost: leadership changed before it was committed').status).toBe('fail');
  });

  it('a server timeout, or an error nobody listed, is unknown', () => {
    expect(classifyServerError('TIMEOUT no answer within the request timeout').status).toBe('unknown');
    expect(classifyServerError('ERR node shutting down').status).toBe('unknown');
  });

  it('replies become ok outcomes with what the client observed', () => {
    expect(classifyReply('read', { type: 'bulk', value: Buffer.from('v1') })).toEqual({ status: 'ok', output: 'v1' });
    expect(classifyReply('read', { type: 'bulk', value: null })).toEqual({ status: 'ok', output: null });
    expect(classifyReply('write', { type: 'simple', value: 'OK' })).toEqual({ status: 'ok' });
    expect(classifyReply('cas', { type: 'integer', value: 0 })).toEqual({ status: 'ok', swapped: false });
    expect(classifyReply('cas', { type: 'simple', value: 'OK' }).status).toBe('unknown');
  });

  it('a connection error is fail before sending and unknown after', () => {
    const refused = new ClientError('CONNECTION', 'connection refused');
    expect(classifyError(refused, false).status).toBe('fail');
    expect(classifyError(refused, true).status).toBe('unknown');
    expect(classifyError(new ClientError('TIMEOUT', 'no reply'), true)).toEqual({ status: 'unknown', reason: 'client-timeout' });
  });
});

describe('HistoryRecorder', () => {
  it('records a valid history: ids, call/return times, outputs, unknowns left open', () => {
    let t = 1000;
    const recorder = new HistoryRecorder(() => t);
    const write = recorder.invoke({ client: 0, key: 'k', kind: 'write', value: 'c0-0' });
    const read = recorder.invoke({ client: 1, key: 'k', kind: 'read' });
    t += 2.5;
    recorder.complete(write, { status: 'ok' });
    t += 1;
    recorder.complete(read, { status: 'ok', output: 'c0-0' });
    const cas = recorder.invoke({ client: 0, key: 'k', kind: 'cas', expected: 'c0-0', value: 'c0-1' });
    t += 5;
    recorder.complete(cas, { status: 'unknown', reason: 'client-timeout' });
    recorder.invoke({ client: 1, key: 'k', kind: 'write', value: 'c1-0' }); // cut off by the end of the run
    const history = recorder.history();
    expect(validateHistory(history)).toEqual([]);
    expect(history.map((op) => [op.id, op.status, op.call, op.return])).toEqual([
      [0, 'ok', 0, 2.5],
      [1, 'ok', 0, 3.5],
      [2, 'unknown', 3.5, null],
      [3, 'unknown', 8.5, null],
    ]);
    expect(history[1]!.output).toBe('c0-0');
    expect(recorder.counts().reasons).toEqual({ 'client-timeout': 1 });
    expect(() => recorder.complete(write, { status: 'ok' })).toThrow(/twice/);
  });

  it('round-trips through JSON unchanged (the documented file format)', () => {
    const recorder = new HistoryRecorder();
    const op = recorder.invoke({ client: 2, key: 'k1', kind: 'cas', expected: 'a', value: 'b' });
    recorder.complete(op, { status: 'ok', swapped: true });
    const history = recorder.history();
    expect(JSON.parse(JSON.stringify(history))).toEqual(history);
  });
});
