/**
 * How close firedrill's timings are to the truth, and whether the truth lies within the bounds
 * the scorecard shows. For each source, N trials (default 20): a run is injected, then the
 * benchmark makes detection or recovery happen at a moment it chooses and records (an alert
 * sent, a chat line typed, `firedrill detected` started; a service that answers again from a
 * chosen instant on, read by the real SQL, HTTP and command probes in the real probe loop at their
 * default intervals; a pod marked Ready through a real kube-apiserver, seen by the workloads probe
 * and its watch), and compares the scorecard's value and bounds with that moment. The run store
 * is a real embedded PostgreSQL; the CLI is the built one, started as a person would. The
 * Kubernetes row needs the API server and etcd that `npm run test:e2e:k8s` builds and caches in
 * ~/.cache/firedrill; without them the row says so and the rest runs.
 *
 *   npm run build && npm run bench:timing
 *   node dist/test/bench/timing-bench.js --trials 50
 *
 * Printed figures, not a timed test: error = measured − truth (p50, p99), bound width, and the
 * share of trials whose bounds contain the truth. Everything it starts is stopped at the end.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubernetesWatchSource } from './timing-kubernetes.js';
import { NotMeasured, packageRoot, SOURCES, type Sample, type TimingSource } from './timing-sources.js';
import { startTimingWorld } from './timing-world.js';

const USAGE = 'usage: node dist/test/bench/timing-bench.js [--trials N] [--only NAME]   (N >= 1, default 20)';

interface Row {
  source: TimingSource;
  samples: Sample[];
  wallMs: number;
  /** Why the source was not measured here. */
  notMeasured?: string;
}

async function main(): Promise<number> {
  const { trials, only } = parseOptions(process.argv.slice(2));
  const cli = join(packageRoot(), 'dist', 'src', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const chosen = [...SOURCES, kubernetesWatchSource].filter((source) => !only || source.name.toLowerCase().includes(only.toLowerCase()));
  console.log(`firedrill timing bench: ${trials} trial(s) per source (${process.version}, ${process.platform}-${process.arch})`);
  const world = await startTimingWorld();
  const rows: Row[] = [];
  try {
    for (const source of chosen) {
      const started = performance.now();
      let running: Awaited<ReturnType<TimingSource['start']>>;
      try {
        running = await source.start(world);
      } catch (error) {
        if (!(error instanceof NotMeasured)) throw error;
        rows.push({ source, samples: [], wallMs: 0, notMeasured: error.message });
        console.log(`  ${source.name}: not measured: ${error.message}`);
        continue;
      }
      const samples: Sample[] = [];
      try {
        for (let trial = 0; trial < trials; trial++) samples.push(await running.trial());
      } finally {
        await running.close();
      }
      rows.push({ source, samples, wallMs: performance.now() - started });
      console.log(`  ${source.name}: ${trials} trial(s) in ${(rows.at(-1)!.wallMs / 1000).toFixed(1)} s`);
    }
  } finally {
    await world.close();
  }
  printTable(rows);
  const all = rows.flatMap((row) => row.samples);
  return all.every(contains) ? 0 : 1;
}

function contains(sample: Sample): boolean {
  return sample.bounds !== null && sample.bounds.low <= sample.truthMs && sample.truthMs <= sample.bounds.high;
}

/** Nearest-rank quantile: with 20 trials, p99 is the largest. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function printTable(rows: Row[]): void {
  const ms = (value: number) => {
    const rounded = Math.round(value);
    return `${rounded > 0 ? '+' : rounded < 0 ? '-' : ''}${Math.abs(rounded)} ms`;
  };
  const header = ['source', 'measure', 'sampled', 'error p50', 'error p99', '|error| max', 'bounds p50', 'bounds max', 'truth within'];
  const lines = rows.map(({ source, samples, notMeasured }) => {
    if (notMeasured !== undefined) return [source.name, source.measure, 'not measured', '', '', '', '', '', notMeasured];
    const errors = samples.map((sample) => sample.measuredMs - sample.truthMs);
    const widths = samples.map((sample) => (sample.bounds ? sample.bounds.high - sample.bounds.low : Number.NaN));
    const inside = samples.filter(contains).length;
    return [
      source.name,
      source.measure,
      source.setting,
      ms(quantile(errors, 0.5)),
      ms(quantile(errors, 0.99)),
      `${Math.max(...errors.map(Math.abs)).toFixed(0)} ms`,
      `${quantile(widths, 0.5).toFixed(0)} ms`,
      `${Math.max(...widths).toFixed(0)} ms`,
      `${inside}/${samples.length} (${((100 * inside) / samples.length).toFixed(0)}%)`,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log('');
  console.log(format(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

function parseOptions(args: string[]): { trials: number; only: string | undefined } {
  const { values } = parseArgs({ args, options: { trials: { type: 'string', default: '20' }, only: { type: 'string' } } });
  const trials = Number(values.trials);
  if (!Number.isInteger(trials) || trials < 1) throw new Error(USAGE);
  return { trials, only: values.only };
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
