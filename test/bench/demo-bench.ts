/**
 * Times the built CLI's demo: `node dist/firedrill.js demo --json`, N times in a row.
 *
 *   npm run build && npm run bench            # 3 runs
 *   node dist/test/bench/demo-bench.js --runs 5
 *
 * Run 1 starts with an empty FIREDRILL_STATE_DIR, so it includes the store's initdb; the
 * others reuse that state directory. Each run also starts (and initialises) its own sandbox
 * database, as every demo does. Peak RSS is the firedrill process's own (VmHWM), not the
 * PostgreSQL or S3 processes it starts. Everything lives in one temporary directory that
 * is removed at the end, also after Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface RunFigures {
  run: number;
  store: 'cold' | 'warm';
  wallMs: number;
  peakRssKb: number | null;
  exitCode: number | null;
  outcome: string;
  ttdMs: number | null;
  rtoMs: number | null;
  rpoMs: number | null;
}

const SAMPLE_EVERY_MS = 50;
const RUN_TIMEOUT_MS = 180_000;
const USAGE = 'usage: node dist/test/bench/demo-bench.js [--runs N]   (N >= 1, default 3)';

let current: ChildProcess | undefined;
let interrupted = false;

async function main(): Promise<number> {
  const runs = parseRuns(process.argv.slice(2));
  const root = packageRoot();
  const cli = join(root, 'dist', 'firedrill.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);

  const dir = await mkdtemp(join(tmpdir(), 'firedrill-bench-'));
  const stateDir = join(dir, 'state');
  const tmp = join(dir, 'tmp');
  await mkdir(tmp);
  const onSignal = () => {
    // The first signal lets the demo undo its drill and clean up; a second one ends it at once.
    if (interrupted) current?.kill('SIGKILL');
    interrupted = true;
    current?.kill('SIGINT');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results: RunFigures[] = [];
  try {
    console.log(`firedrill demo bench: ${runs} run(s) of \`node dist/firedrill.js demo --json\` (${process.version}, ${process.platform}-${process.arch})`);
    for (let run = 1; run <= runs && !interrupted; run++) {
      const figures = await runDemo(cli, root, run, { FIREDRILL_STATE_DIR: stateDir, TMPDIR: tmp });
      results.push(figures);
      const left = await readdir(tmp);
      if (left.length) console.error(`run ${run} left ${left.join(', ')} in its TMPDIR`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopLeftoverServers(dir);
    await rm(dir, { recursive: true, force: true });
  }
  printTable(results);
  if (interrupted) return 130;
  return results.every((figures) => figures.exitCode === 0) ? 0 : 1;
}

function parseRuns(args: string[]): number {
  const { values } = parseArgs({ args, options: { runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.runs === undefined) return 3;
  if (!/^[1-9]\d*$/.test(values.runs)) throw new Error(`--runs must be a whole number of at least 1, not "${values.runs}"\n${USAGE}`);
  return Number(values.runs);
}

async function runDemo(cli: string, cwd: string, run: number, extraEnv: Record<string, string>): Promise<RunFigures> {
  const env: NodeJS.ProcessEnv = { ...process.env, FIREDRILL_LOG_LEVEL: 'warn', ...extraEnv };
  // The store must be the embedded one in FIREDRILL_STATE_DIR, not a configured server.
  delete env.DATABASE_URL;
  const started = performance.now();
  // Its own process group: a Ctrl-C on the terminal reaches the bench, which forwards one SIGINT.
  const child = spawn(process.execPath, [cli, 'demo', '--json'], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  current = child;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null)));
  });

  let peakRssKb: number | null = null;
  let running = true;
  const sampler = (async () => {
    while (running && child.pid !== undefined) {
      const sample = await memoryOf(child.pid);
      if (sample !== null) peakRssKb = Math.max(peakRssKb ?? 0, sample);
      await sleep(SAMPLE_EVERY_MS);
    }
  })();
  const timeout = setTimeout(() => child.kill('SIGINT'), RUN_TIMEOUT_MS);
  const exitCode = await exited.finally(() => {
    running = false;
    clearTimeout(timeout);
    current = undefined;
  });
  await sampler;
  const wallMs = performance.now() - started;

  const figures: RunFigures = {
    run,
    store: run === 1 ? 'cold' : 'warm',
    wallMs,
    peakRssKb,
    exitCode,
    outcome: 'error',
    ttdMs: null,
    rtoMs: null,
    rpoMs: null,
  };
  try {
    const scorecard = JSON.parse(stdout) as { outcome?: string; ttdMs?: number | null; rtoMs?: number | null; rpoMs?: number | null };
    Object.assign(figures, {
      outcome: scorecard.outcome ?? 'unknown',
      ttdMs: scorecard.ttdMs ?? null,
      rtoMs: scorecard.rtoMs ?? null,
      rpoMs: scorecard.rpoMs ?? null,
    });
  } catch {
    if (interrupted) console.error(`run ${run}: interrupted`);
    else console.error(`run ${run}: no scorecard on stdout (exit ${String(exitCode)}); stderr ends with:\n${stderr.split('\n').slice(-15).join('\n')}`);
  }
  return figures;
}

/**
 * Peak resident set so far (VmHWM, which only grows), in kB. Read every 50 ms, so at most
 * the growth of the last 50 ms before exit is missed. Null where /proc is not available.
 */
async function memoryOf(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!status) return null;
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status) ?? /^VmRSS:\s+(\d+) kB/m.exec(status);
  return hwm ? Number(hwm[1]) : null;
}

/**
 * A demo that was killed leaves its PostgreSQL servers running (pg_ctl detaches them).
 * Any postmaster.pid under the bench directory belongs to one of ours: fast shutdown.
 */
async function stopLeftoverServers(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const entry of entries.filter((name) => name.endsWith('postmaster.pid'))) {
    const file = join(dir, entry);
    const [pidLine, dataDir] = (await readFile(file, 'utf8').catch(() => '')).split('\n');
    const pid = Number(pidLine);
    if (!Number.isInteger(pid) || pid <= 0 || dataDir !== dirname(file)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('postgres')) continue;
    console.error(`stopping a PostgreSQL left running in ${dataDir}`);
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      continue;
    }
    for (let waited = 0; waited < 30_000 && existsSync(`/proc/${pid}`); waited += 100) await sleep(100);
  }
}

function printTable(results: RunFigures[]): void {
  const ms = (value: number | null) => (value === null ? '-' : `${Math.round(value)} ms`);
  const header = ['run', 'store', 'wall', 'peak RSS', 'exit', 'outcome', 'TTD', 'RTO', 'RPO'];
  const rows = results.map((r) => [
    String(r.run),
    r.store === 'cold' ? 'cold (initdb)' : 'warm',
    `${(r.wallMs / 1000).toFixed(2)} s`,
    r.peakRssKb === null ? 'n/a' : `${(r.peakRssKb / 1024).toFixed(1)} MiB`,
    String(r.exitCode),
    r.outcome,
    ms(r.ttdMs),
    ms(r.rtoMs),
    ms(r.rpoMs),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  console.log(['', line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n'));
}

function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'drills'))) return dir;
  }
  throw new Error('cannot find the firedrill package root above this script');
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`demo-bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
