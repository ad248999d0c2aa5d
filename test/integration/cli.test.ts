import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { CLI_COMMAND, ROOT, runCli, spawnCli } from '../support/cli.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';

let world: DrillWorld;
let dir: string;
let config: string;

beforeAll(async () => {
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-cli-'));
  config = join(dir, 'firedrill.yaml');
  await writeFile(
    config,
    `environments:
${world.environmentYaml('staging')}store:
  url: { env: TEST_STORE_URL }
`,
  );
});

afterAll(async () => {
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, { env: { ...world.env, TEST_STORE_URL: world.storeUrl } });

describe('firedrill CLI', () => {
  it('validates the documented example and the built-in drills', async () => {
    const result = await cli(['validate']);
    expect(result.stderr).toContain('no problems');
    expect(result.code).toBe(0);
  });

  it('reports every problem as FILE:LINE:COL and exits 1, without a stack trace', async () => {
    const result = await cli(['validate', 'test/fixtures/catalogue/many-problems.yaml']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(/^test\/fixtures\/catalogue\/many-problems\.yaml:\d+:\d+: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('plans a drill without changing anything', async () => {
    await world.createOrders(10);
    const result = await cli(['plan', 'drop-orders-table', '--env', 'staging', '--config', config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('dry run');
    expect(result.stdout).toMatch(/DROP TABLE "public"\."orders"/);
    expect(result.stdout).toContain('restore public.orders from the newest backup in s3://backups/');
    // The same plan as data, for scripts: the core's RunPlan, which chat renders too.
    const json = await cli(['plan', 'drop-orders-table', '--env', 'staging', '--json', '--config', config]);
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as { drill: { id: string }; environment: string; refusal: string | null; inject: string[]; recovery: { mode: string; runbook: string } };
    expect(plan).toMatchObject({ drill: { id: 'drop-orders-table' }, environment: 'staging', refusal: null, recovery: { mode: 'automated' } });
    expect(plan.inject.join('\n')).toMatch(/DROP TABLE "public"\."orders"/);
    expect(plan.recovery.runbook).toContain('restore public.orders from the newest backup in s3://backups/');
    expect(await world.orderCount()).toBe(10);
  });

  it('answers a typo with the fix, not a stack trace', async () => {
    const result = await cli(['run', 'drop-order-table', '--env', 'staging', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('drop-orders-table');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const badEnv = await cli(['plan', 'drop-orders-table', '--env', 'stagin', '--config', config]);
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('did you mean "staging"?');
  });

  it('runs a drill that a person on another terminal detects, then lists its scorecard', async () => {
    await world.createOrders(10);
    await world.backupOrders();
    const env = { ...world.env, TEST_STORE_URL: world.storeUrl };
    // Who acts is the operating-system user, here set as FIREDRILL_USER; --as would only label it.
    const running = runCli(['run', 'drop-orders-table', '--env', 'staging', '--config', config, '--json'], { env: { ...env, FIREDRILL_USER: 'alice' } });
    const runId = await world.injectedRun();
    const detected = await runCli(['detected', runId.slice(0, 8), '--config', config], { env: { ...env, FIREDRILL_USER: 'bob' } });
    expect(detected.code, detected.stderr).toBe(0);
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    const scorecard = JSON.parse(run.stdout) as { outcome: string; runId: string; detectedBy: unknown; requestedBy: string };
    expect(scorecard).toMatchObject({ runId, outcome: 'pass', requestedBy: 'alice', detectedBy: { source: 'cli', name: 'bob' } });
    expect(await world.orderCount()).toBe(10);

    const list = await cli(['scorecards', '--json', '--config', config]);
    expect((JSON.parse(list.stdout) as { runId: string }[]).map((entry) => entry.runId)).toContain(runId);
    const one = await cli(['scorecards', runId.slice(0, 8), '--markdown', '--config', config]);
    expect(one.stdout).toContain('PASS');
    expect(one.stdout).toContain(runId);
  });

  it('stamps `detected` with the moment its command started, before its modules and the store load; --at is checked', async () => {
    await world.createOrders(10);
    await world.backupOrders();
    const env = { ...world.env, TEST_STORE_URL: world.storeUrl, FIREDRILL_USER: 'bob' };
    const running = runCli(['run', 'drop-orders-table', '--env', 'staging', '--config', config, '--json'], { env: { ...env, FIREDRILL_USER: 'alice' } });
    const runId = await world.injectedRun();
    const detected = (extra: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli(['detected', runId.slice(0, 8), '--config', config, ...extra], { env: { ...env, ...extraEnv } });

    const future = await detected(['--at', new Date(Date.now() + 3_600_000).toISOString()]);
    expect(future.code).toBe(2);
    expect(future.stderr).toMatch(/--at \S+ is in the future/);
    const early = await detected(['--at', '2000-01-01T00:00:00Z']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('--at 2000-01-01T00:00:00.000Z is before the fault was injected');
    const vague = await detected(['--at', '10:15']);
    expect(vague.code).not.toBe(0);
    expect(vague.stderr).toContain('give an ISO date and time with its zone');

    // A start made slow on purpose, before any of firedrill's modules load: the stamp must not wait for it.
    const slowStart = join(dir, 'slow-start.mjs');
    await writeFile(slowStart, 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);\n');
    const spawnedAt = Date.now();
    const said = await detected([], { NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${slowStart}`].filter(Boolean).join(' ') });
    expect(said.code, said.stderr).toBe(0);
    // Pass or fail depends on how busy the machine is (each command here loads TypeScript first): only the timing is asserted.
    const run = await running;
    const scorecard = JSON.parse(run.stdout) as { timeline: { detectedAt: string }; ttdMs: number; bounds: { ttdMs: { low: number; high: number } } };
    const stampedAfterSpawnMs = Date.parse(scorecard.timeline.detectedAt) - spawnedAt;
    expect(stampedAfterSpawnMs).toBeGreaterThanOrEqual(-1);
    expect(stampedAfterSpawnMs).toBeLessThan(1_000);
    expect(said.stderr).toContain(`detected recorded for run ${runId} by bob at ${scorecard.timeline.detectedAt}`);
    expect(scorecard.bounds.ttdMs.high).toBeGreaterThanOrEqual(scorecard.ttdMs);
    expect(scorecard.bounds.ttdMs.low).toBeLessThanOrEqual(scorecard.ttdMs);
  }, 240_000);

  it('lists the next scheduled starts in their time zone', async () => {
    const result = await cli(['schedule', '--count', '4']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('weekly-staging: a random drill in staging, cron "0 10 * * 3" (starts up to 2h later at random, announced 15m before, cooldown 21d)');
    expect(lines.slice(1)).toHaveLength(4);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}Wed \d{4}-\d{2}-\d{2} 10:00 Europe\/London( {2}skipped: .+)?$/);
  });

  it('serves health and metrics until told to stop, then exits cleanly', async () => {
    const child = spawnCli(['serve', '--port', '0', '--config', config], { env: { ...world.env, TEST_STORE_URL: world.storeUrl } });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const found = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (found) resolve(found[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited early:\n${stderr}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    // Read from the store at the scrape: serve wires the store into /metrics.
    expect(metrics).toMatch(/^firedrill_store_up 1$/m);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, stderr).toBe(0);
  });

  it('prints the JSON Schema of drill files', async () => {
    const result = await cli(['schema']);
    const schema = JSON.parse(result.stdout) as { $schema: string };
    expect(schema.$schema).toContain('json-schema.org');
    expect(result.stdout).toContain('maxDuration');
  });

  it('ends quietly when its reader stops reading (`firedrill schema | head`)', async () => {
    const child = spawnCli(['schema']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The reader is gone before the schema is written, as `head` is once it has its lines.
    child.stdout!.destroy();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('writes all its output to a reader that is slow to read it (a pager) before it exits', async () => {
    // More than a pipe holds, read only once the command has been done for more than a second.
    const quoted = CLI_COMMAND.map((part) => `'${part}'`).join(' ');
    const child = spawn('sh', ['-c', `${quoted} schema | (sleep 2.5; cat)`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(0);
    expect(output.length).toBeGreaterThan(100_000);
    expect((JSON.parse(output) as { $schema: string }).$schema).toContain('json-schema.org');
  });

  it('prints its version, the one in package.json', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
    }
  });

  it('has --help on every command', async () => {
    for (const command of ['validate', 'schema', 'plan', 'run', 'demo', 'scorecards', 'serve', 'status', 'recover', 'detected', 'recovered', 'abort', 'approve', 'schedule', 'postpone', 'incident', 'chat']) {
      const result = await cli([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout).toContain(`Usage: firedrill ${command}`);
      expect(result.stdout).toContain('--config');
    }
    // Seventeen starts of the CLI from source: minutes on a loaded two-core machine.
  }, 300_000);
});
