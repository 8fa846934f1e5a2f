#!/usr/bin/env node
/**
 * The named-bug suite (`npm run sim:mutants`). Each test/mutants/*.patch puts
 * one classic Raft bug into a temporary copy of src/; the copy is compiled
 * with tsc and the simulator runs seed after seed against it until a run
 * fails. Prints, for each bug, whether it was caught, after how many seeds and
 * by which check; exits non-zero if any bug survives. Product code never
 * carries a flag for these bugs: they exist only as patches.
 *
 *   node scripts/mutants.mjs [--seeds-max N] [--nodes 3|5] [--only NAME] [--jobs J]
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const mutantsDir = join(root, 'test', 'mutants');

function parseArgs(argv) {
  const args = { seedsMax: 1000, nodes: 3, only: null, jobs: Math.min(2, availableParallelism()), worker: null, keep: false, snapshot: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--seeds-max') args.seedsMax = Number(next());
    else if (a === '--nodes') args.nodes = Number(next());
    else if (a === '--only') args.only = next();
    else if (a === '--jobs') args.jobs = Number(next());
    else if (a === '--worker') args.worker = next();
    else if (a === '--keep') args.keep = true;
    else if (a === '--snapshot') args.snapshot = next();
    else {
      console.error(`mutants: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return args;
}

/**
 * A patched, compiled copy of the source snapshot in a temporary directory.
 * Other people edit the tree while this runs, so every mutant is built from
 * one snapshot taken at start, and type errors that the unpatched snapshot
 * has too (someone's edit in progress) are tolerated: tsc still emits. Only
 * errors the patch adds make the build fail.
 */
function buildMutant(snapshot, patchFile) {
  const dir = mkdtempSync(join(tmpdir(), 'raftkv-mutant-'));
  cpSync(join(snapshot, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(snapshot, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (patchFile) execFileSync('patch', ['-p1', '-s', '--no-backup-if-mismatch', '-i', patchFile], { cwd: dir, stdio: 'inherit' });
  // Only what the simulator imports is compiled: the node, its actors and the core.
  writeFileSync(join(dir, 'tsconfig.mutant.json'), JSON.stringify({
    extends: './tsconfig.json',
    compilerOptions: { rootDir: 'src', outDir: 'dist', noEmit: false, sourceMap: false },
    files: ['src/sim/index.ts'],
    include: [],
  }));
  return { dir, errors: compile(dir) };
}

/** Runs tsc; returns its error lines (empty when clean). */
function compile(dir) {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.mutant.json'], { cwd: dir, encoding: 'utf8' });
    return [];
  } catch (err) {
    return String(err.stdout ?? '').split('\n').filter((line) => line.includes('error TS'));
  }
}

function takeSnapshot() {
  const dir = mkdtempSync(join(tmpdir(), 'raftkv-snapshot-'));
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  const control = buildMutant(dir, null);
  rmSync(control.dir, { recursive: true, force: true });
  writeFileSync(join(dir, 'control-errors.json'), JSON.stringify(control.errors));
  if (control.errors.length > 0) console.log(`  note: the unpatched source has ${control.errors.length} type errors (edits in progress); tolerated:\n    ${control.errors.slice(0, 3).join('\n    ')}`);
  return dir;
}

async function worker(name, args) {
  const started = Date.now();
  const { dir, errors } = buildMutant(args.snapshot, join(mutantsDir, `${name}.patch`));
  const tolerated = new Set(JSON.parse(readFileSync(join(args.snapshot, 'control-errors.json'), 'utf8')));
  const added = errors.filter((line) => !tolerated.has(line));
  if (added.length > 0) return { name, caught: false, error: `the patched source does not compile:\n${added.join('\n')}` };
  const buildMs = Date.now() - started;
  try {
    const sim = await import(pathToFileURL(join(dir, 'dist', 'sim', 'index.js')).href);
    for (let seed = 1; seed <= args.seedsMax; seed++) {
      const result = await sim.runSimulation({ seed, nodes: args.nodes, faults: sim.ALL_FAULTS });
      if (result.failure) {
        return { name, caught: true, seeds: seed, kind: result.failure.kind, message: result.failure.message.slice(0, 300), buildMs, runMs: Date.now() - started - buildMs };
      }
    }
    return { name, caught: false, seeds: args.seedsMax, buildMs, runMs: Date.now() - started - buildMs };
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(name, args) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', name, '--seeds-max', String(args.seedsMax), '--nodes', String(args.nodes), '--snapshot', args.snapshot], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolvePromise(JSON.parse(line));
      } catch {
        resolvePromise({ name, caught: false, error: `worker exited ${code}: ${out.slice(-500)}` });
      }
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.worker) {
    process.stdout.write(`${JSON.stringify(await worker(args.worker, args))}\n`);
    return;
  }
  const names = readdirSync(mutantsDir).filter((f) => f.endsWith('.patch')).map((f) => f.slice(0, -'.patch'.length)).sort()
    .filter((n) => args.only === null || n.includes(args.only));
  console.log(`named-bug suite: ${names.length} mutants, up to ${args.seedsMax} seeds each, ${args.nodes} nodes, ${args.jobs} at a time`);
  args.snapshot = takeSnapshot();
  const results = [];
  const queue = [...names];
  await Promise.all(Array.from({ length: args.jobs }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const r = await runChild(name, args);
      results.push(r);
      const verdict = r.error ? `ERROR ${r.error.slice(0, 2000)}` : r.caught ? `caught after ${r.seeds} seed${r.seeds === 1 ? '' : 's'} by ${r.kind} (${(r.runMs / 1000).toFixed(1)} s)` : `NOT CAUGHT in ${r.seeds} seeds`;
      console.log(`  ${r.caught ? 'ok ' : 'BAD'} ${name}: ${verdict}${r.caught ? `\n        ${r.message}` : ''}`);
    }
  }));
  rmSync(args.snapshot, { recursive: true, force: true });
  results.sort((a, b) => a.name.localeCompare(b.name));
  console.log('\nsummary:');
  for (const r of results) console.log(`  ${r.name.padEnd(34)} ${r.caught ? `caught after ${String(r.seeds).padStart(4)} seeds by ${r.kind}` : r.error ? 'BUILD ERROR' : 'NOT CAUGHT'}`);
  const missed = results.filter((r) => !r.caught);
  console.log(missed.length === 0 ? `all ${results.length} bugs caught` : `${missed.length} of ${results.length} bugs NOT caught: ${missed.map((r) => r.name).join(', ')}`);
  process.exit(missed.length === 0 ? 0 : 1);
}

await main();
