/**
 * How fast the built CLI (dist/firedrill.js, the package's bin) starts and how small `serve`
 * stays, as ratios to `node -e 0` measured in the same run:
 *
 *   npm run bench:startup                                  # builds, then 9 rounds
 *   node dist/test/bench/startup-bench.js --rounds 15
 *
 * - baseline: `node -e 0`; then `firedrill --help` and `firedrill validate` (the example
 *   config). One round runs each once, interleaved, so that a busy machine slows all alike;
 *   the times are medians, a ratio is the median of the rounds' ratios.
 * - `firedrill serve` with Slack configured (HTTP mode; the Web API is a stand-in on
 *   127.0.0.1) and the embedded store: the time from spawning it to the first 200 from
 *   /healthz. The first start, which runs the store's initdb, is not counted; each counted
 *   start includes starting the store's PostgreSQL server. Each start has its own baseline, the
 *   mean of a `node -e 0` just before it and one once it has stopped, and the ratio is the
 *   median of the starts' ratios to theirs: a shared machine can change speed by a third within
 *   seconds, between the commands' rounds and the starts as well as between starts.
 * - idle `serve`: its resident set (VmRSS) once /healthz answers and it has been idle for 2 s.
 * - the Slack ack: 50 concurrent signed `/drill status` commands at once (Bolt's HTTP
 *   receiver, real signature checks), first right after the start, then warm in 4 more
 *   bursts; the latency is until the 200 response, p99 of each.
 *
 * Everything lives in one temporary directory, removed at the end (also after Ctrl-C).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { postToSlackEvents, slashCommand, startSlackApiStandIn, type SlackApiStandIn } from '../support/slack.js';

const USAGE = 'usage: node dist/test/bench/startup-bench.js [--rounds N] [--serve-starts N]   (defaults 9 and 3)';
const SIGNING_SECRET = 'startup-bench-signing-secret';
const BURST = 50;
const WARM_BURSTS = 4;
const IDLE_SETTLE_MS = 2_000;
/** A pause after a serve stopped, before the next baseline and start. */
const STOPPED_SETTLE_MS = 500;
const SERVE_TIMEOUT_MS = 120_000;

/** The targets of the issue "Run it where teams run things", as ratios to the baseline (RSS in MiB, acks in ms). */
const TARGETS = { help: 3, validate: 3, serve: 6, idleRssMiB: 90, ackFirstMs: 300, ackWarmMs: 100 };

let serving: ChildProcess | undefined;

async function main(): Promise<number> {
  const { rounds, serveStarts } = parseOptions(process.argv.slice(2));
  const root = packageRoot();
  const cli = join(root, 'dist', 'firedrill.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-startup-bench-'));
  const env: NodeJS.ProcessEnv = { ...process.env, FIREDRILL_LOG_LEVEL: 'warn', FIREDRILL_STATE_DIR: join(dir, 'state'), TMPDIR: join(dir, 'tmp') };
  // The store must be the embedded one in FIREDRILL_STATE_DIR, not a configured server.
  delete env.DATABASE_URL;
  delete env.NODE_OPTIONS;
  await mkdir(env.TMPDIR!);
  const stop = () => serving?.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const api = await startSlackApiStandIn();
  try {
    console.log(`firedrill startup bench (${process.version}, ${process.platform}-${process.arch}; load average ${loadAverage()})`);
    const times = { baseline: [] as number[], help: [] as number[], validate: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      times.baseline.push(timeCommand([process.execPath, '-e', '0'], root, env));
      times.help.push(timeCommand([process.execPath, cli, '--help'], root, env, /validate/));
      times.validate.push(timeCommand([process.execPath, cli, 'validate'], root, env, /no problems/));
    }
    const baseline = median(times.baseline);
    const ratioOf = (measured: number[], baselines: number[]) => median(measured.map((value, index) => value / baselines[index]!));

    const config = join(dir, 'firedrill.yaml');
    await writeFile(config, 'environments:\n  staging:\n    description: the startup bench\n');
    const serveEnv = { ...env, SLACK_BOT_TOKEN: 'xoxb-startup-bench', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: api.url };
    const first = await startServe(cli, root, config, serveEnv);
    await first.stop();
    const serveTimes: number[] = [];
    const serveBaselines: number[] = [];
    let idleRssKb = 0;
    let acks = { first: [] as number[], warm: [] as number[] };
    for (let start = 1; start <= serveStarts; start++) {
      const before = timeCommand([process.execPath, '-e', '0'], root, env);
      const serve = await startServe(cli, root, config, serveEnv);
      serveTimes.push(serve.healthyAfterMs);
      try {
        if (start === serveStarts) {
          await sleep(IDLE_SETTLE_MS);
          idleRssKb = await rssOf(serve.pid);
          acks = await slackAcks(serve.url, api);
        }
      } finally {
        await serve.stop();
      }
      // Once it has stopped, with its store, and the machine has settled: what a stopping
      // PostgreSQL still writes would slow the baseline and the next start alike.
      await sleep(STOPPED_SETTLE_MS);
      serveBaselines.push((before + timeCommand([process.execPath, '-e', '0'], root, env)) / 2);
    }

    const rows: [string, string, string, string][] = [
      ['node -e 0 (baseline)', ms(baseline), '1.00x', ''],
      ['node -e 0, beside the serve starts', ms(median(serveBaselines)), '', ''],
      ratioRow('firedrill --help', median(times.help), ratioOf(times.help, times.baseline), TARGETS.help),
      ratioRow('firedrill validate', median(times.validate), ratioOf(times.validate, times.baseline), TARGETS.validate),
      ratioRow('serve (Slack) to /healthz 200', median(serveTimes), ratioOf(serveTimes, serveBaselines), TARGETS.serve),
      ['idle serve RSS', `${(idleRssKb / 1024).toFixed(1)} MiB`, '', verdict(idleRssKb / 1024 <= TARGETS.idleRssMiB, `<= ${TARGETS.idleRssMiB} MiB`)],
      ['Slack ack p99, first burst of 50', ms(percentile(acks.first, 99)), '', verdict(percentile(acks.first, 99) <= TARGETS.ackFirstMs, `<= ${TARGETS.ackFirstMs} ms`)],
      [`Slack ack p99, warm (${WARM_BURSTS}x${BURST})`, ms(percentile(acks.warm, 99)), '', verdict(percentile(acks.warm, 99) <= TARGETS.ackWarmMs, `<= ${TARGETS.ackWarmMs} ms`)],
    ];
    printTable(['measure', 'median', 'ratio', 'target'], rows);
    console.log(`\n${rounds} round(s) for the commands, ${serveStarts} serve start(s) after the one that ran initdb (${ms(first.healthyAfterMs)}):`);
    console.log(serveTimes.map((time, index) => `${ms(time)} (node -e 0 beside it: ${ms(serveBaselines[index]!)})`).join(', '));
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function parseOptions(args: string[]): { rounds: number; serveStarts: number } {
  const { values } = parseArgs({ args, options: { rounds: { type: 'string' }, 'serve-starts': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (text: string | undefined, fallback: number, name: string) => {
    if (text === undefined) return fallback;
    if (!/^[1-9]\d*$/.test(text)) throw new Error(`--${name} must be a whole number of at least 1, not "${text}"\n${USAGE}`);
    return Number(text);
  };
  return { rounds: count(values.rounds, 9, 'rounds'), serveStarts: count(values['serve-starts'], 3, 'serve-starts') };
}

/** Wall time of one run of a command, in ms; it must exit 0 (and print `expect`, when given). */
function timeCommand([command, ...args]: string[], cwd: string, env: NodeJS.ProcessEnv, expect?: RegExp): number {
  const started = performance.now();
  const result = spawnSync(command!, args, { cwd, env, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0 || (expect && !expect.test(result.stdout + result.stderr))) {
    throw new Error(`${[command, ...args].join(' ')} failed (exit ${result.status ?? result.signal}):\n${result.stderr}`);
  }
  return elapsed;
}

interface StartedServe {
  url: string;
  pid: number;
  healthyAfterMs: number;
  stop(): Promise<void>;
}

/** Spawns `serve` on a free port and polls /healthz until it answers 200. */
async function startServe(cli: string, cwd: string, config: string, env: NodeJS.ProcessEnv): Promise<StartedServe> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--config', config], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  serving = child;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    serving = undefined;
  };
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited (${child.exitCode}) before /healthz answered:\n${stderr}`);
      if (performance.now() - started > SERVE_TIMEOUT_MS) throw new Error(`serve did not answer /healthz within ${SERVE_TIMEOUT_MS} ms:\n${stderr}`);
      const status = await fetch(`${url}/healthz`).then((response) => response.status, () => 0);
      if (status === 200) break;
      await sleep(5);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid!, healthyAfterMs: performance.now() - started, stop };
}

/** Latencies (ms) of signed slash commands until their 200: one burst right away, then warm bursts. */
async function slackAcks(url: string, api: SlackApiStandIn): Promise<{ first: number[]; warm: number[] }> {
  const burst = async () => {
    const repliesBefore = replies(api);
    const latencies = await Promise.all(
      Array.from({ length: BURST }, async () => {
        const started = performance.now();
        const response = await postToSlackEvents(url, slashCommand('status', 'U0BENCH'), SIGNING_SECRET);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`a signed slash command got ${response.status}`);
        return performance.now() - started;
      }),
    );
    // The replies are posted after the ack; wait for them so that bursts do not overlap.
    for (let waited = 0; replies(api) < repliesBefore + BURST; waited += 20) {
      if (waited > 60_000) throw new Error('the bot did not answer the slash commands within a minute');
      await sleep(20);
    }
    return latencies;
  };
  const first = await burst();
  const warm: number[] = [];
  for (let round = 0; round < WARM_BURSTS; round++) warm.push(...(await burst()));
  return { first, warm };
}

const replies = (api: SlackApiStandIn) => api.calls.filter((call) => call.method === 'chat.postMessage').length;

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!rss) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(rss[1]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function ratioRow(name: string, value: number, ratio: number, target: number): [string, string, string, string] {
  return [name, ms(value), `${ratio.toFixed(2)}x`, verdict(ratio <= target, `<= ${target}x`)];
}

const verdict = (met: boolean, target: string) => `${target} ${met ? 'met' : 'NOT met'}`;
const ms = (value: number) => `${Math.round(value)} ms`;

function loadAverage(): string {
  return existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a';
}

function printTable(header: string[], rows: string[][]): void {
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
    console.error(`startup-bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
