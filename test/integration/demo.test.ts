import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';

let dir: string;
let result: CliResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-demo-test-'));
  await mkdir(join(dir, 'tmp'));
  const started = performance.now();
  result = await runCli(['demo', '--json'], { env: { FIREDRILL_STATE_DIR: join(dir, 'state'), TMPDIR: join(dir, 'tmp') } });
  console.log(`demo took ${Math.round(performance.now() - started)} ms`);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('runs a whole drill and prints only the scorecard JSON on stdout', () => {
  expect(result.code, result.stderr).toBe(0);
  const scorecard = JSON.parse(result.stdout) as Record<string, unknown> & {
    timeline: Record<string, string>;
    met: Record<string, boolean>;
    objectives: Record<string, number>;
    detectedBy: { source: string; name: string };
  };
  expect(scorecard).toMatchObject({
    drill: { id: 'drop-orders-table' },
    environment: 'sandbox',
    outcome: 'pass',
    met: { ttd: true, rto: true, rpo: true },
    detectedBy: { source: 'alertmanager', name: 'OrdersTableMissing' },
    objectives: { ttdMs: 30_000, rtoMs: 120_000, rpoMs: 15_000 },
  });
  for (const key of ['injectedAt', 'detectedAt', 'recoveredAt', 'verifiedAt']) {
    expect(new Date(scorecard.timeline[key]!).toISOString()).toBe(scorecard.timeline[key]);
  }
  const { ttdMs, rtoMs, rpoMs } = scorecard as unknown as { ttdMs: number; rtoMs: number; rpoMs: number };
  expect(ttdMs).toBeGreaterThan(0);
  // The restore happens after detection, so recovery cannot come before it.
  expect(rtoMs).toBeGreaterThan(ttdMs);
  // The drill strikes between two backups: the orders since the last one are really lost
  // (how many depends on how late a loaded machine runs the timers).
  expect(rpoMs).toBeGreaterThan(0);
  expect(rpoMs).toBeLessThan(8_000);
});

it('leaves no temporary directory and no process behind', async () => {
  // tsx (which runs the CLI from source here) keeps its compile cache in TMPDIR.
  const left = (await readdir(join(dir, 'tmp'))).filter((name) => !name.startsWith('tsx-'));
  expect(left).toEqual([]);
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']);
  expect(stdout.split('\n').filter((line) => line.includes(dir))).toEqual([]);
});
