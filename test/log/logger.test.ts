import { describe, expect, test } from 'vitest';
import { createLogger, isTty, type LogStatus } from '../../src/log/logger.js';

/** A destination that keeps every line written to it. */
function capture(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line) };
}

function parsed(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('JSON lines', () => {
  test('each line carries the node and the term and role at the time of writing', () => {
    const out = capture();
    const status: LogStatus = { term: 1, role: 'follower' };
    let current = status;
    const logger = createLogger({ level: 'info', nodeId: 'n2', status: () => current, destination: out });
    logger.info('started');
    current = { term: 2, role: 'leader' };
    logger.warn({ peer: 'n3' }, 'peer unreachable');
    const [first, second] = parsed(out.lines);
    expect(first).toMatchObject({ node: 'n2', term: 1, role: 'follower', level: 30, msg: 'started' });
    expect(second).toMatchObject({ node: 'n2', term: 2, role: 'leader', level: 40, msg: 'peer unreachable', peer: 'n3' });
    expect(out.lines).toHaveLength(2);
    expect(out.lines.every((line) => line.endsWith('\n') && line.indexOf('\n') === line.length - 1)).toBe(true);
  });

  test('child loggers keep node, term and role and add their own fields', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', nodeId: 'n1', status: () => ({ term: 7, role: 'candidate' }), destination: out });
    logger.child({ component: 'transport' }).info('listening');
    expect(parsed(out.lines)[0]).toMatchObject({ node: 'n1', term: 7, role: 'candidate', component: 'transport' });
  });

  test('a field the caller logs is not overwritten by the mixin object of another line', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', status: () => ({ term: 3, role: 'leader' }), destination: out });
    logger.info({ index: 10 }, 'appended');
    logger.info('plain');
    expect(parsed(out.lines)[1]).not.toHaveProperty('index');
  });

  test('lines below the level are not written and do not read the status', () => {
    const out = capture();
    let reads = 0;
    const status = (): LogStatus => {
      reads++;
      return { term: 1, role: 'follower' };
    };
    const logger = createLogger({ level: 'info', nodeId: 'n1', status, destination: out });
    logger.debug('hot path');
    logger.trace('hotter path');
    expect(out.lines).toEqual([]);
    expect(reads).toBe(0);
    logger.info('shown');
    expect(reads).toBe(1);
  });

  test('without nodeId or status the line has neither', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out }).info('hello');
    const [line] = parsed(out.lines);
    expect(line).not.toHaveProperty('node');
    expect(line).not.toHaveProperty('term');
    expect(line).toMatchObject({ msg: 'hello', pid: process.pid });
  });

  test('silent writes nothing', () => {
    const out = capture();
    createLogger({ level: 'silent', destination: out }).fatal('nobody hears this');
    expect(out.lines).toEqual([]);
  });
});

describe('pretty lines', () => {
  test('are written synchronously, human-readable, tagged with node, term and role', () => {
    const out = capture();
    const logger = createLogger({
      level: 'info',
      pretty: true,
      nodeId: 'n3',
      status: () => ({ term: 4, role: 'leader' }),
      destination: out,
    });
    logger.info({ peer: 'n1' }, 'became leader');
    expect(out.lines).toHaveLength(1);
    const [line] = out.lines;
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[n3 t4 leader\] became leader\n/);
    expect(line).toContain('peer: "n1"');
    // Shown in the tag, so not repeated below it; no colour codes when not on a terminal.
    expect(line).not.toMatch(/node:|term:|role:|pid:/);
    expect(line).not.toContain('\u001b[');
  });

  test('without status the tag holds the node alone', () => {
    const out = capture();
    createLogger({ level: 'info', pretty: true, nodeId: 'n3', destination: out }).info('up');
    expect(out.lines[0]).toMatch(/INFO: \[n3\] up\n$/);
  });
});

describe('isTty', () => {
  test('follows the stream', () => {
    expect(isTty({ isTTY: true })).toBe(true);
    expect(isTty({ isTTY: false })).toBe(false);
    expect(isTty({})).toBe(false);
  });
});
