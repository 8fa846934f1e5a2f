import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../../src/protocol/chunk-queue.js';

function queueOf(...chunks: string[]): ChunkQueue {
  const queue = new ChunkQueue();
  for (const chunk of chunks) queue.push(Buffer.from(chunk));
  return queue;
}

function line(queue: ChunkQueue): string | null {
  return queue.readLine() ? queue.lineBuf.toString('latin1', queue.lineStart, queue.lineEnd) : null;
}

describe('ChunkQueue', () => {
  it('reads lines within and across chunks', () => {
    const queue = queueOf('ab\ncd', 'ef', '', 'g\nh');
    expect(line(queue)).toBe('ab');
    expect(line(queue)).toBe('cdefg');
    expect(line(queue)).toBeNull();
    expect(queue.size).toBe(1);
    expect(queue.partialLineBytes).toBe(1);
    queue.push(Buffer.from('i\n'));
    expect(line(queue)).toBe('hi');
    expect(queue.size).toBe(0);
  });

  it('counts a partial line across chunks without rescanning what it has seen', () => {
    const queue = queueOf('abc');
    expect(queue.readLine()).toBe(false);
    queue.push(Buffer.from('def'));
    expect(queue.readLine()).toBe(false);
    expect(queue.partialLineBytes).toBe(6);
  });

  it('discards through the next LF, across chunks', () => {
    const queue = queueOf('xx', 'yy\nzz\n');
    expect(queue.discardLine()).toBe(true);
    expect(line(queue)).toBe('zz');
    const partial = queueOf('abc', 'def');
    expect(partial.discardLine()).toBe(false);
    expect(partial.size).toBe(0);
  });

  it('reads exact byte counts and single bytes across chunks', () => {
    const queue = queueOf('ab', 'c'.repeat(100), 'de');
    const target = Buffer.alloc(101);
    expect(queue.readInto(target, 0)).toBe(101);
    expect(target.toString()).toBe('ab' + 'c'.repeat(99));
    expect([queue.readByte(), queue.readByte(), queue.readByte(), queue.readByte()]).toEqual([0x63, 0x64, 0x65, -1]);
  });

  it('stays correct after many chunks (array compaction)', () => {
    const queue = new ChunkQueue();
    for (let i = 0; i < 5000; i++) queue.push(Buffer.from('x'));
    queue.push(Buffer.from('\n'));
    expect(line(queue)).toBe('x'.repeat(5000));
    for (let i = 0; i < 3000; i++) {
      queue.push(Buffer.from('y'));
      queue.push(Buffer.from('z'));
      expect(queue.readByte()).toBe(i % 2 === 0 ? 0x79 : 0x7a); // y z y z ...
    }
    expect(queue.size).toBe(3000);
    queue.push(Buffer.from('\n'));
    expect(line(queue)).toBe('yz'.repeat(1500));
  });
});
