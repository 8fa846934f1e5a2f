import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Loopback ports free right now (bound, then released), for servers that
 * another process binds moments later.
 *
 * They are drawn from below the kernel's ephemeral range
 * (net.ipv4.ip_local_port_range), where it never picks the source port of an
 * outgoing connection. A port from listen(0) comes from that range, and in the
 * half second before a freshly spawned node binds it, any connect() on the
 * machine may take it as its source port: a test that opens thousands of
 * connections (the fuzz tests do) sweeps through the range, and the node then
 * exits at start with its address in use.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count; attempt++) {
    if (attempt >= count + ATTEMPTS_MAX) throw new Error(`no ${count} free loopback ports found below ${ephemeralStart()} after ${attempt} attempts`);
    const port = candidate();
    if (ports.includes(port) || recent.has(port) || !(await isFree(port))) continue;
    ports.push(port);
    remember(port);
  }
  return ports;
}

const ATTEMPTS_MAX = 1_000;
/** The lowest port handed out: above the registered services most machines run. */
const LOWEST = 10_000;
/** Ports handed out lately in this process, not handed out again while their servers may still be starting. */
const recent = new Set<number>();
const RECENT_MAX = 4_096;

function remember(port: number): void {
  recent.add(port);
  if (recent.size > RECENT_MAX) recent.delete(recent.values().next().value!);
}

let ephemeralStartCached: number | null = null;

/** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
function ephemeralStart(): number {
  if (ephemeralStartCached === null) {
    let start = 32_768;
    try {
      const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
      if (Number.isInteger(first) && first > LOWEST + 1_000) start = first;
    } catch {
      // Not Linux, or no /proc: keep the default.
    }
    ephemeralStartCached = start;
  }
  return ephemeralStartCached;
}

function candidate(): number {
  return LOWEST + Math.floor(Math.random() * (ephemeralStart() - LOWEST));
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
