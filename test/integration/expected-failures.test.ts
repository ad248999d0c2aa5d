import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-failures-'));
  config = join(dir, 'firedrill.yaml');
  await writeFile(config, 'builtInDrills: false\nenvironments:\n  staging: {}\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it.each([
  ['an invalid store URL', 'mysql://fd:hunter2hunter2@db/x', /^firedrill: DATABASE_URL is not a PostgreSQL URL\n {2}write it as postgres:\/\/user:password@host:5432\/database\n$/],
  ['a store that is down', 'postgres://fd:hunter2hunter2@127.0.0.1:1/x', /^firedrill: the run store has not answered for 1s \(connect ECONNREFUSED 127\.0\.0\.1:1\)\n {2}bring the database back/],
])('%s: says what failed and what to do, with no stack and no password, at the info level', async (_what, url, message) => {
  const result = await runCli(['status', '--config', config], { env: { DATABASE_URL: url, FIREDRILL_STORE_OUTAGE_LIMIT: '1s', FIREDRILL_LOG_LEVEL: 'info' } });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/"stack"|\n\s+at /);
  expect(result.stderr).not.toContain('hunter2hunter2');
}, 60_000);
