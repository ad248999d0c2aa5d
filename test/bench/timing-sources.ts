import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { sqlProbe } from '../../adapters/postgres/sql-probe.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { consoleAdapter } from '../../src/chat/console-adapter.js';
import { createChatHandler } from '../../src/chat/handler.js';
import { runtimeFactoryFor } from '../../src/compose/index.js';
import type { DrillRuntime, Probe } from '../../src/engine/ports.js';
import { RunSignals } from '../../src/engine/run-signals.js';
import { watchForRecovery } from '../../src/engine/watch-recovery.js';
import { createLogger } from '../../src/log.js';
import { commandProbe } from '../../src/probes/command-probe.js';
import { httpProbe } from '../../src/probes/http-probe.js';
import { startHttpServer } from '../../src/server/http-server.js';
import type { Range } from '../../src/scoring/scorecard-schema.js';
import { ALERT_NAME, waitForDetection, type TimingWorld } from './timing-world.js';

/** One trial: what firedrill measured, its bounds, and the truth the benchmark set up. */
export interface Sample {
  measuredMs: number;
  truthMs: number;
  bounds: Range | null;
}

export interface TimingSource {
  name: string;
  measure: 'TTD' | 'RTO';
  /** How it is sampled, as a person would configure it. */
  setting: string;
  start(world: TimingWorld): Promise<{ trial(): Promise<Sample>; close(): Promise<void> }>;
}

const PROBE_TIMEOUT_MS = 10_000;
const ALERT_TOKEN = 'timing-bench-token';
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Faults and recoveries land anywhere in a probe's interval, not in step with it. */
const somewhere = (from: number, to: number) => from + Math.random() * (to - from);

/** The run detected at a moment the benchmark chose: TTD truth = that moment less injection. */
async function detectionTrial(world: TimingWorld, send: (runId: string) => Promise<void>): Promise<Sample> {
  const trial = await world.startRun();
  await sleep(somewhere(20, 200));
  const truthMono = performance.now();
  await send(trial.runId);
  await waitForDetection(world.store, trial.runId);
  const scorecard = await trial.finish();
  if (scorecard.ttdMs === null) throw new Error(`run ${trial.runId}: detection not counted`);
  return { measuredMs: scorecard.ttdMs, truthMs: truthMono - trial.injected.mono, bounds: scorecard.bounds.ttdMs };
}

/**
 * Service is down from injection until a moment the benchmark chose (`up(atMono)` arranges it);
 * the real probe loop watches with the drill's default intervals. RTO truth = that moment less injection.
 */
async function recoveryTrial(world: TimingWorld, drill: Drill, probe: Probe, up: (atMono: number) => Promise<void>): Promise<Sample> {
  await up(Number.POSITIVE_INFINITY);
  const trial = await world.startRun();
  const upAtMono = trial.injected.mono + somewhere(300, 1_500);
  await up(upAtMono);
  const runtime: DrillRuntime = { fault: undefined as never, steadyState: [probe], verify: [], close: async () => undefined };
  const outcome = await watchForRecovery({ journal: trial.journal, drill, runtime, signals: new RunSignals(), injectedAt: trial.injected });
  const scorecard = await trial.finish();
  if (outcome !== 'recovered' || scorecard.rtoMs === null) throw new Error(`run ${trial.runId}: ${outcome}`);
  return { measuredMs: scorecard.rtoMs, truthMs: upAtMono - trial.injected.mono, bounds: scorecard.bounds.rtoMs };
}

/** A drill whose steady state is one probe of this type, every other setting at its default. */
function drillProbing(probe: Record<string, unknown>): Drill {
  return Drill.parse({
    id: 'timed',
    title: 'timed',
    kind: 'command',
    target: { inject: 'true', undo: 'true' },
    severity: 'low',
    objectives: { rto: '10m' },
    // stableFor as short as it goes: the benchmark times the moment of recovery, not the wait after it.
    steadyState: { probes: [probe], stableFor: '1ms' },
    recovery: { mode: 'manual' },
    maxDuration: '1m',
  });
}

/** Realtime milliseconds (Date.now()'s clock) at a `performance.now()` reading, to a few microseconds. */
function realtimeAt(): (mono: number) => number {
  const start = Date.now();
  let now = Date.now();
  while (now === start) now = Date.now();
  const offset = now - (performance.timeOrigin + performance.now());
  return (mono) => performance.timeOrigin + mono + offset;
}

export const SOURCES: TimingSource[] = [
  {
    name: 'webhook (generic)',
    measure: 'TTD',
    setting: 'push',
    async start(world) {
      const server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        alertToken: ALERT_TOKEN,
        log,
        intake: { store: world.store, clock: world.clock, drillFor: () => world.drill },
      });
      const send = async () => {
        const response = await fetch(`${server.url}/hooks/generic`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ALERT_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: ALERT_NAME, status: 'firing' }),
        });
        if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
      };
      return { trial: () => detectionTrial(world, send), close: () => server.close() };
    },
  },
  {
    name: 'chat (terminal adapter)',
    measure: 'TTD',
    setting: 'push',
    async start(world) {
      const input = new PassThrough();
      const user = { id: userInfo().username, label: userInfo().username, groups: [], identity: { realm: 'os', id: userInfo().username } };
      const adapter = consoleAdapter(input, (text) => process.env.BENCH_DEBUG && process.stderr.write(text), user);
      const stop = new AbortController();
      const handler = createChatHandler({
        catalogue: world.catalogue,
        store: world.store,
        clock: world.clock,
        runtimes: runtimeFactoryFor(world.catalogue, process.env),
        log,
        adapter,
        drillsIn: () => [world.drill],
        stop: stop.signal,
      });
      await adapter.start((request) => handler.handle(request));
      const send = async (runId: string) => void input.write(`detected ${runId.slice(0, 8)}\n`);
      return {
        trial: () => detectionTrial(world, send),
        async close() {
          stop.abort();
          input.end();
          await adapter.stop();
        },
      };
    },
  },
  {
    name: 'CLI `firedrill detected`',
    measure: 'TTD',
    setting: 'push (process start)',
    async start(world) {
      const cli = join(packageRoot(), 'dist', 'src', 'cli.js');
      const send = (runId: string) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [cli, 'detected', runId.slice(0, 8), '--config', world.config], {
            env: { ...process.env, BENCH_STORE_URL: world.storeUrl, FIREDRILL_LOG_LEVEL: 'warn' },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`firedrill detected exited ${code}: ${stderr}`))));
        });
      return { trial: () => detectionTrial(world, send), close: async () => undefined };
    },
  },
  {
    name: 'SQL probe',
    measure: 'RTO',
    setting: 'recoveryInterval 200ms (default for sql)',
    async start(world) {
      await world.target.query('create table if not exists bench_service (up_at timestamptz not null)');
      await world.target.query("insert into bench_service values ('infinity')");
      // The server's clock against ours, from the quickest of a few round trips.
      let best = { roundTrip: Number.POSITIVE_INFINITY, offset: 0 };
      const realtime = realtimeAt();
      for (let i = 0; i < 20; i++) {
        const before = performance.now();
        const { rows } = await world.target.query<{ ms: string }>('select extract(epoch from clock_timestamp()) * 1000 as ms');
        const after = performance.now();
        if (after - before < best.roundTrip) best = { roundTrip: after - before, offset: Number(rows[0]!.ms) - realtime((before + after) / 2) };
      }
      const up = async (atMono: number) => {
        if (atMono === Number.POSITIVE_INFINITY) return void (await world.target.query("update bench_service set up_at = 'infinity'"));
        await world.target.query('update bench_service set up_at = to_timestamp($1::float8 / 1000)', [realtime(atMono) + best.offset]);
      };
      const probe = sqlProbe(world.target, 'service up', 'select clock_timestamp() >= up_at from bench_service', PROBE_TIMEOUT_MS);
      const drill = drillProbing({ type: 'sql', query: 'select true' });
      return { trial: () => recoveryTrial(world, drill, probe, up), close: async () => undefined };
    },
  },
  {
    name: 'HTTP probe',
    measure: 'RTO',
    setting: 'recoveryInterval 200ms (default for http)',
    async start(world) {
      let upAtMono = Number.POSITIVE_INFINITY;
      const server = createServer((_request, response) => {
        response.writeHead(performance.now() >= upAtMono ? 200 : 503).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const probe = httpProbe('service up', url, undefined, PROBE_TIMEOUT_MS);
      const drill = drillProbing({ type: 'http', url });
      const up = async (atMono: number) => void (upAtMono = atMono);
      return {
        trial: () => recoveryTrial(world, drill, probe, up),
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },
  },
  {
    name: 'command probe',
    measure: 'RTO',
    setting: 'interval 1s (default; command probes keep it)',
    async start(world) {
      const upFile = join(world.dir, 'up-at-ns');
      const realtime = realtimeAt();
      // Far beyond any clock, and still within the shell's 64-bit arithmetic.
      const never = '9000000000000000000';
      const up = (atMono: number) => writeFile(upFile, atMono === Number.POSITIVE_INFINITY ? never : BigInt(Math.round(realtime(atMono) * 1e6)).toString());
      const shell = { cwd: world.dir, env: process.env, processes: { started: async () => undefined, ended: async () => undefined }, graceMs: 1_000 };
      const run = `[ "$(date +%s%N)" -ge "$(cat '${upFile}')" ]`;
      const probe = commandProbe('service up', run, PROBE_TIMEOUT_MS, shell);
      const drill = drillProbing({ type: 'command', run });
      return { trial: () => recoveryTrial(world, drill, probe, up), close: async () => undefined };
    },
  },
];

/** The folder holding package.json, from dist/test/bench/ (built) or test/bench/ (tsx). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
