import { once } from 'node:events';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let dir: string;

/** Values that must never be seen: each stands in for a secret setting. */
const CANARIES = {
  STAGING_PASSWORD: 'canary-pw-7f3a9c',
  ALERT_TOKEN: 'canary-alert-token-51d2',
  SLACK_BOT_TOKEN: 'xoxb-canary-slack-90ab',
  S3_SECRET: 'canary-s3-secret-44ee',
};

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  await postgres.createDatabase('staging');
  const admin = new pg.Client({ connectionString: postgres.url('staging') });
  await admin.connect();
  await admin.query(`create role shop login password '${CANARIES.STAGING_PASSWORD}'`);
  await admin.end();
  dir = await realpath(await mkdtemp(join(tmpdir(), 'firedrill-canaries-')));
  await mkdir(join(dir, 'drills'));
  await writeFile(join(dir, 'token.txt'), `${CANARIES.ALERT_TOKEN}\n`);
  // Every command prints every secret it can reach, as careless scripts do.
  const leak = 'echo "url=$STAGING_URL slack=$SLACK_BOT_TOKEN s3=$S3_SECRET token=$(cat ../token.txt)"';
  await writeFile(
    join(dir, 'drills', 'leaky.yaml'),
    `id: leaky
title: every command prints the secrets
kind: command
target: { inject: '${leak}; touch fault; exit 0', undo: '${leak}; rm -f fault' }
severity: low
objectives: { rto: 5m }
steadyState:
  probes: [{ type: command, run: '${leak}; test ! -f fault' }, { type: sql, query: 'select true' }]
  interval: 50ms
  stableFor: 100ms
recovery: { mode: automated, trigger: immediately, runbook: { action: command, run: '${leak}; rm -f fault; ${leak} >&2; exit 0' } }
verify: [{ type: command, run: '${leak}; exit 1' }]
maxDuration: 30s
`,
  );
  await writeFile(
    join(dir, 'firedrill.yaml'),
    `builtInDrills: false
catalogue: [drills/]
environments:
  staging:
    postgres: { url: { env: STAGING_URL }, allowedTables: [public.nothing] }
    chat: { run: [canary-tester] }
    buckets: { backups: { bucket: backups, secretAccessKeyEnv: S3_SECRET, accessKeyIdEnv: S3_KEY } }
store:
  url: { env: TEST_STORE_URL }
server:
  alertToken: { file: token.txt }
`,
  );
});

afterAll(async () => {
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('no secret reaches the terminal, a log line, a chat message, the scorecard or the stored journal', async () => {
  const stagingUrl = postgres.url('staging').replace(/\/\/[^@]+@/, `//shop:${CANARIES.STAGING_PASSWORD}@`);
  const env = {
    TEST_STORE_URL: postgres.url('firedrill'),
    STAGING_URL: stagingUrl,
    SLACK_BOT_TOKEN: CANARIES.SLACK_BOT_TOKEN,
    S3_SECRET: CANARIES.S3_SECRET,
    S3_KEY: 'not-secret-key-id',
    FIREDRILL_LOG_LEVEL: 'debug',
    FIREDRILL_USER: 'canary-tester',
  };
  const config = join(dir, 'firedrill.yaml');
  const run = await runCli(['run', 'leaky', '--env', 'staging', '--config', config, '--json'], { env });
  expect(run.stdout, run.stderr).not.toBe("");
  const scorecard = JSON.parse(run.stdout) as { runId: string; outcome: string };
  expect(scorecard.outcome).toBe('fail');
  const journal = await runCli(['status', scorecard.runId, '--config', config], { env });
  const markdown = await runCli(['scorecards', scorecard.runId, '--markdown', '--config', config], { env });
  expect(journal.stdout).toContain('url=[redacted] slack=[redacted] s3=[redacted] token=[redacted]');

  // The same drill from the chat console: every message it prints passes the same redactor.
  const chat = spawnCli(['chat', '--config', config], { env, stdin: 'pipe' });
  let chatOut = '';
  chat.stdout!.on('data', (chunk: Buffer) => (chatOut += chunk.toString()));
  chat.stderr!.on('data', (chunk: Buffer) => (chatOut += chunk.toString()));
  chat.stdin!.write('run leaky staging\n');
  while (!/Scorecard FAIL/.test(chatOut) && chat.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
  chat.stdin!.end();
  await once(chat, 'exit');
  expect(chatOut).toMatch(/Scorecard FAIL/);

  const store = new pg.Client({ connectionString: postgres.url('firedrill') });
  await store.connect();
  const stored = await store.query<{ text: string }>(
    `select body::text as text from firedrill_run_events union all select scorecard::text from firedrill_runs where scorecard is not null`,
  );
  await store.end();

  const everything = [chatOut, run.stdout, run.stderr, journal.stdout, journal.stderr, markdown.stdout, markdown.stderr, ...stored.rows.map((row) => row.text)].join('\n');
  expect(everything).toContain('[redacted]');
  for (const [name, canary] of Object.entries(CANARIES)) expect(everything, name).not.toContain(canary);
}, 120_000);
