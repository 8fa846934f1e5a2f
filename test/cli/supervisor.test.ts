import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/cli/supervisor.js';

/** A node process running `script`. */
function child(name: string, script: string): { name: string; command: string; args: string[] } {
  return { name, command: process.execPath, args: ['-e', script] };
}

const WAIT = 'setInterval(() => {}, 1000);';

describe('Supervisor', () => {
  it('tags each output line with its child name', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({ writeLine: (l) => lines.push(l) });
    supervisor.start([child('n1', 'console.log("one"); console.error("two")'), child('n2', 'console.log("a\\nb")')]);
    await supervisor.allExited();
    expect(lines.sort()).toEqual(['[n1] one', '[n1] two', '[n2] a', '[n2] b']);
  });

  it('reports an unexpected exit and keeps the others running', async () => {
    const exits: string[] = [];
    const supervisor = new Supervisor({
      writeLine: () => undefined,
      onExit: (name, code, _signal, expected) => exits.push(`${name}:${code}:${expected}`),
    });
    supervisor.start([child('n1', 'process.exit(3)'), child('n2', WAIT)]);
    await expect.poll(() => exits).toEqual(['n1:3:false']);
    expect(supervisor.runningCount).toBe(1);
    await supervisor.stop();
    expect(exits).toEqual(['n1:3:false', 'n2:null:true']);
  });

  it('SIGKILLs a child that ignores SIGTERM once the grace period is over', async () => {
    const signals: (string | null)[] = [];
    const lines: string[] = [];
    const supervisor = new Supervisor({ writeLine: (l) => lines.push(l), onExit: (_n, _c, signal) => signals.push(signal) });
    supervisor.start([child('stubborn', `process.on("SIGTERM", () => {}); console.log("ready"); ${WAIT}`)]);
    await expect.poll(() => lines).toEqual(['[stubborn] ready']);
    await supervisor.stop(100);
    expect(signals).toEqual(['SIGKILL']);
    expect(supervisor.runningCount).toBe(0);
  });
});
