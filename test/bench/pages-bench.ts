/**
 * How fast the managers' pages and exports answer with 100,000 runs in the store (issue 13:
 * p95 ≤ 100 ms server time for every page and export):
 *
 *   npm run build && npm run bench:pages
 *   node dist/test/bench/pages-bench.js --runs 100000 --rounds 30
 *
 * - an embedded PostgreSQL with `--runs` finished runs loaded in one statement (generate_series,
 *   realistic scorecards over two years: 3 environments × 8 drills, ~70% passed), vacuumed and
 *   analysed as autovacuum would leave it, and one run with a journal;
 * - `serve`'s HTTP server with the pages (loopback, no sign-in), requested over HTTP;
 * - server time: from the request's arrival to the last byte handed to the socket, per URL;
 *   rounds interleave the URLs so that a busy machine slows all alike; the first round warms up
 *   (and draws the charts, cached after) and is reported apart as "cold";
 * - baseline: /healthz (one `select 1` on the same store) measured the same way; every figure
 *   is also printed as a ratio to its p50.
 * The full exports (every run) are timed over fewer rounds and printed apart.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { startHttpServer } from '../../src/server/http-server.js';
import { pageAccess } from '../../src/web/page-access.js';
import { pagesRouter } from '../../src/web/pages-router.js';
import { BULK_DRILLS, BULK_ENVIRONMENTS, bulkLoadRuns } from '../support/run-history-seed.js';
import { startTestPostgres } from '../support/servers.js';

const USAGE = 'usage: node dist/test/bench/pages-bench.js [--runs N] [--rounds N] [--full-rounds N]   (defaults 100000, 30, 5)';
const TARGET_P95_MS = 100;

interface Options {
  runs: number;
  rounds: number;
  fullRounds: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string' }, rounds: { type: 'string' }, 'full-rounds': { type: 'string' } } });
  const number = (text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`"${text}" is not a positive whole number\n${USAGE}`);
    return value;
  };
  return { runs: number(values.runs, 100_000), rounds: number(values.rounds, 30), fullRounds: number(values['full-rounds'], 5) };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-pages-bench-'));
  const postgres = await startTestPostgres();
  let closeAll = async () => undefined as void;
  try {
    await postgres.createDatabase('bench');
    const opened = await openPostgresStores(postgres.url('bench'));
    const pool = new pg.Pool({ connectionString: postgres.url('bench'), max: 1 });
    const now = new Date();
    let started = performance.now();
    await bulkLoadRuns(pool, options.runs, now);
    const loadMs = performance.now() - started;
    started = performance.now();
    await pool.query('vacuum analyze firedrill_runs');
    process.stderr.write(`loaded ${options.runs} runs in ${(loadMs / 1000).toFixed(1)} s (vacuum analyze ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    const newest = await pool.query<{ id: string }>("select id from firedrill_runs where environment = 'staging' order by created_at desc limit 1");
    const runId = newest.rows[0]!.id;
    await pool.end();
    // The run page reads a journal too: give the run one as long as a real run's.
    await journalFor(opened.runs, runId);

    await mkdir(join(dir, 'drills'));
    for (const drill of BULK_DRILLS) {
      await writeFile(
        join(dir, 'drills', `${drill.id}.yaml`),
        `id: ${drill.id}\ntitle: ${JSON.stringify(drill.title)}\nkind: command\ntarget: { inject: 'true', undo: 'true' }\nseverity: ${drill.severity}\n` +
          `objectives: { ttd: 2m, rto: 15m }\nsteadyState: { probes: [{ type: command, name: up, run: 'true' }], interval: 1s, stableFor: 1s }\n` +
          `detection: { alerts: [{ match: ['alertname=ShopDown'] }] }\nrecovery: { mode: manual }\nmaxDuration: 1h\n`,
      );
    }
    const configPath = join(dir, 'firedrill.yaml');
    await writeFile(configPath, `builtInDrills: false\ncatalogue: [drills/]\nenvironments:\n${BULK_ENVIRONMENTS.map((name) => `  ${name}: {}\n`).join('')}`);
    const loaded = await loadCatalogue(configPath);
    if (!loaded.ok) throw new Error(`the bench's config does not load: ${JSON.stringify(loaded.problems)}`);
    const log = pino({ level: 'error' }, pino.destination(2));
    const router = pagesRouter({
      history: opened.history,
      runs: opened.runs,
      catalogue: loaded.catalogue,
      guard: pageAccess(loaded.catalogue.config, log, { configDir: dir }),
      log,
    });
    const timings = new Map<string, number[]>();
    /** Server time: from the handler's start to the response's last byte handed to the socket. */
    const timed = (key: string, response: ServerResponse, start: number) =>
      response.once('finish', () => {
        const list = timings.get(key) ?? [];
        list.push(performance.now() - start);
        timings.set(key, list);
      });
    const http = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      alertToken: undefined,
      log,
      intake: { store: opened.runs, clock: { now: () => ({ at: new Date().toISOString(), mono: performance.now(), clock: 'bench' }) } as never, drillFor: () => undefined },
      pages: async (request: IncomingMessage, response: ServerResponse, path: string) => {
        timed(request.url ?? path, response, performance.now());
        return router(request, response, path);
      },
      routes: {
        '/bench-healthz': (_request, response) => {
          const start = performance.now();
          timed('/healthz', response, start);
          void opened.runs.ping(2_000).then(() => {
            response.writeHead(200, { 'content-type': 'application/json' });
            response.end('{"status":"ok"}');
          });
        },
      },
    });
    closeAll = async () => {
      await http.close();
      await opened.runs.close();
    };

    const month = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
    const quarterFrom = new Date(now.getTime() - 200 * 86_400_000).toISOString().slice(0, 10);
    const quarterTo = new Date(now.getTime() - 110 * 86_400_000).toISOString().slice(0, 10);
    const deepest = Math.ceil(options.runs / 50);
    const urls = [
      '/bench-healthz',
      '/',
      '/score',
      '/runs',
      `/runs?page=${Math.ceil(deepest / 2)}`,
      `/runs?page=${deepest}`,
      '/runs?env=perf&outcome=failed',
      '/runs?drill=lose-a-node&page=100',
      `/runs?kind=drop-table&from=${quarterFrom}&to=${quarterTo}`,
      '/runs?env=staging-eu&drill=dns-outage&outcome=not-detected&page=3',
      `/runs/${runId}`,
      `/runs/${runId.slice(0, 8)}`,
      `/runs/${runId}/report.md`,
      `/runs.csv?env=staging&from=${month}`,
      `/runs.json?env=staging&from=${month}`,
      '/runs.csv?drill=drop-orders-table&outcome=failed',
      '/runs.json?drill=drop-orders-table&outcome=failed',
    ];
    const fullExports = ['/runs.csv', '/runs.json'];
    const request = async (url: string) => {
      const response = await fetch(`${http.url}${url}`, { redirect: 'manual' });
      const body = await response.arrayBuffer();
      if (response.status >= 400) throw new Error(`${url} answered ${response.status}: ${Buffer.from(body).toString().slice(0, 300)}`);
      return body.byteLength;
    };
    const sizes = new Map<string, number>();
    for (let round = 0; round <= options.rounds; round++) {
      for (const url of urls) sizes.set(url, await request(url));
    }
    for (let round = 0; round <= options.fullRounds; round++) {
      for (const url of fullExports) sizes.set(url, await request(url));
    }

    const key = (url: string) => (url === '/bench-healthz' ? '/healthz' : url);
    const baseline = [...timings.get('/healthz')!.slice(1)].sort((a, b) => a - b);
    const baseP50 = percentile(baseline, 50);
    const rows = [...urls, ...fullExports].map((url) => {
      const [cold, ...warm] = timings.get(key(url)) ?? [];
      const sorted = [...warm].sort((a, b) => a - b);
      return { url: key(url), cold: cold ?? NaN, p50: percentile(sorted, 50), p95: percentile(sorted, 95), n: sorted.length, bytes: sizes.get(url) ?? 0 };
    });
    const width = Math.max(...rows.map((row) => row.url.length));
    process.stdout.write(`\npages with ${options.runs} runs: server time in ms (${options.rounds} rounds; full exports ${options.fullRounds}), baseline /healthz p50 ${baseP50.toFixed(2)} ms\n`);
    process.stdout.write(`${'url'.padEnd(width)}  ${'cold'.padStart(8)}  ${'p50'.padStart(8)}  ${'p95'.padStart(8)}  ${'p95/base'.padStart(9)}  ${'bytes'.padStart(10)}  target\n`);
    let missed = 0;
    for (const row of rows) {
      const full = fullExports.includes(row.url);
      const ok = row.p95 <= TARGET_P95_MS;
      if (!ok && !full) missed++;
      process.stdout.write(
        `${row.url.padEnd(width)}  ${row.cold.toFixed(1).padStart(8)}  ${row.p50.toFixed(1).padStart(8)}  ${row.p95.toFixed(1).padStart(8)}  ${(row.p95 / baseP50).toFixed(1).padStart(8)}x  ${String(row.bytes).padStart(10)}  ${row.url === '/healthz' ? 'baseline' : ok ? `p95 ≤ ${TARGET_P95_MS} ms` : full ? `over ${TARGET_P95_MS} ms (every run)` : `MISSED (> ${TARGET_P95_MS} ms)`}\n`,
      );
    }
    process.stdout.write(missed ? `\n${missed} page(s) missed p95 ≤ ${TARGET_P95_MS} ms\n` : `\nevery page and filtered export: p95 ≤ ${TARGET_P95_MS} ms\n`);
    return missed ? 1 : 0;
  } finally {
    await closeAll();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A journal like a passed drill's: created, injected, detected, recovered, verified, scored. */
async function journalFor(store: import('../../src/engine/ports.js').RunStore, runId: string): Promise<void> {
  const t0 = Date.now() - 3_600_000;
  const at = (ms: number) => ({ at: new Date(t0 + ms).toISOString(), mono: 1_000_000 + ms, clock: 'bench' });
  const drill = { id: 'drop-orders-table', title: 'The orders table is dropped', kind: 'drop-table', severity: 'critical', objectives: { ttdMs: 120_000, rtoMs: 900_000, rpoMs: 300_000 }, recovery: 'manual' };
  const events = [
    [{ type: 'run-created', drill, environment: 'staging', requestedBy: 'alice' }, -5_000],
    [{ type: 'preflight-check', check: 'target allowed', ok: true, detail: 'staging' }, -4_000],
    [{ type: 'preflight-check', check: 'steady state', ok: true, detail: 'all probes green' }, -3_000],
    [{ type: 'undo-recorded', undo: { action: 'restore-table', description: 'restore orders', params: {} } }, -2_000],
    [{ type: 'injecting', actions: ['drop table orders'] }, -1_000],
    [{ type: 'injected' }, 0],
    [{ type: 'detected', by: { source: 'alertmanager', name: 'OrdersTableMissing' } }, 45_000],
    [{ type: 'recovered', stableForMs: 10_000, sawOutage: true }, 400_000],
    [{ type: 'verify-check', check: 'rows', ok: true, detail: '120000 rows' }, 405_000],
    [{ type: 'verified', ok: true }, 406_000],
    [{ type: 'learning-added', text: 'the restore runbook needs the bucket name', by: 'bob' }, 500_000],
  ] as const;
  for (const [body, ms] of events) await store.append(runId, body as never, at(ms));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
