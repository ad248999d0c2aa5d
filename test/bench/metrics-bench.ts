/**
 * What a scrape of /metrics costs with a large store: N finished runs (default 100,000, over
 * 4 environments × 25 drills) in a real embedded PostgreSQL, then repeated scrapes of the
 * store-derived metrics (the tallies query, the standings, the scores, active runs and
 * schedules), each read fresh. Printed as milliseconds and as a ratio to a baseline measured
 * in the same run: `select count(*)` over the same runs table (one sequential scan).
 *
 *   npm run build && node dist/test/bench/metrics-bench.js [--runs N] [--scrapes N]
 *   npx tsx test/bench/metrics-bench.ts --runs 100000
 *
 * Everything it starts is stopped and its temporary directory removed at the end.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startEmbeddedServer } from '../../adapters/postgres/embedded-server.js';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { storeMetricsSource } from '../../src/compose/metrics-source.js';
import { systemClock } from '../../src/engine/clock.js';

const ENVIRONMENTS = ['staging', 'qa', 'perf', 'dr'];
const DRILLS = 25;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timed(times: number, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < times; index++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, scrapes: { type: 'string', default: '30' } } });
  const runs = Number(values.runs);
  const scrapes = Number(values.scrapes);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(scrapes) || scrapes < 1) throw new Error('usage: metrics-bench [--runs N] [--scrapes N]');
  const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-metrics-bench-'));
  const server = await startEmbeddedServer({ dataDir: path.join(dir, 'pg'), durable: false });
  try {
    await server.createDatabase('firedrill');
    const url = server.url('firedrill');
    const stores = await openPostgresStores(url);
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    console.log(`firedrill metrics bench: ${runs} finished runs, ${scrapes} scrapes (${process.version}, ${process.platform}-${process.arch})`);
    // Scorecards as the engine writes them, as far as the history's generated columns read them.
    await pool.query(
      `insert into firedrill_runs (id, drill, environment, created_at, finished_at, outcome, scorecard)
       select gen_random_uuid(), 'drill-' || (i % $2), ($3::text[])[1 + (i / $2) % $4],
              now() - make_interval(mins => i), now() - make_interval(mins => i) + interval '5 minutes',
              (array['pass','fail','aborted','refused'])[1 + (i % 7) % 4],
              jsonb_build_object(
                'drill', jsonb_build_object('title', 'Drill ' || (i % $2), 'kind', 'command', 'severity', 'high'),
                'requestedBy', 'bench',
                'timeline', jsonb_build_object('injectedAt', (now() - make_interval(mins => i))::text, 'detectedAt', case when i % 11 = 0 then null else (now() - make_interval(mins => i))::text end),
                'ttdMs', 1000 + i % 60000, 'rtoMs', 60000 + i % 600000, 'rpoMs', i % 30000,
                'objectives', jsonb_build_object('ttdMs', 60000, 'rtoMs', 300000, 'rpoMs', 15000),
                'met', jsonb_build_object('ttd', i % 3 <> 0, 'rto', i % 5 <> 0, 'rpo', i % 2 = 0))
         from generate_series(1, $1) as i`,
      [runs, DRILLS, ENVIRONMENTS, ENVIRONMENTS.length],
    );
    await pool.query('analyze firedrill_runs');

    const config = path.join(dir, 'firedrill.yaml');
    await writeFile(config, `builtInDrills: true\nenvironments:\n${ENVIRONMENTS.map((name) => `  ${name}: {}`).join('\n')}\n`);
    const loaded = await loadCatalogue(config);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const source = storeMetricsSource(loaded.catalogue, { store: stores.runs, history: stores.history, tallies: stores.tallies, schedules: stores.schedules }, systemClock());

    const baseline = await timed(scrapes, () => pool.query('select count(*) from firedrill_runs'));
    const tallies = await timed(scrapes, () => stores.tallies.tallies());
    const standings = await timed(scrapes, () => stores.history.standings({}));
    const scrape = await timed(scrapes, () => source.read());
    const base = percentile(baseline, 50);
    const row = (name: string, samples: number[]) =>
      console.log(`${name.padEnd(34)} p50 ${percentile(samples, 50).toFixed(1).padStart(7)} ms  p95 ${percentile(samples, 95).toFixed(1).padStart(7)} ms  ${(percentile(samples, 50) / base).toFixed(2).padStart(6)} × baseline`);
    row('baseline: select count(*)', baseline);
    row('tallies (runs, objectives)', tallies);
    row('standings (last run per drill)', standings);
    row('whole scrape of the store', scrape);
    await pool.end();
    await stores.runs.close();
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
