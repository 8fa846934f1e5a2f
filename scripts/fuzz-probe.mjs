/**
 * The fuzz probe's thread (started by scripts/fuzz.mjs): a SET and a GET of
 * one key every 20 ms through raftkv's client, each answer checked, each
 * latency or error posted to the parent until it says stop. It has a thread
 * of its own because the flood keeps the parent's event loop busy: a probe
 * sharing it would measure the generator, not the nodes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const { RaftkvClient } = await import(pathToFileURL(resolve(root, 'dist/client/client.js')).href);

let running = true;
parentPort.once('message', () => (running = false));
// A Buffer crosses to a thread as a plain Uint8Array: make the CA a Buffer again for node:tls.
const { security } = workerData;
if (security.tls?.ca) security.tls.ca = Buffer.from(security.tls.ca);
const client = new RaftkvClient({ nodes: workerData.nodes, deadlineMs: 10_000, security });
for (let i = 0; running; i++) {
  const started = performance.now();
  try {
    await client.set('probe', String(i));
    const value = await client.get('probe');
    if (value?.toString() === String(i)) parentPort.postMessage({ latencyMs: performance.now() - started });
    else parentPort.postMessage({ error: `read ${value?.toString()} after writing ${i}` });
  } catch (error) {
    parentPort.postMessage({ error: String(error?.message ?? error).slice(0, 80) });
  }
  await new Promise((r) => setTimeout(r, 20));
}
await client.close();
