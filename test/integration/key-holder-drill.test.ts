import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { sealCommand } from '../../src/cli/trust-commands.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvents } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { parseChallenge } from '../../src/trust/challenge.js';
import { readText } from '../../src/trust/circle.js';
import { runCli, spawnCli } from '../support/cli.js';
import { eventWaiter } from '../support/drill-world.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';
import { BUCKETS, capturingContext, startTrustWorld, type BucketName, type TrustWorld } from '../support/trust-world.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const INTERVAL_MS = 100;
const STAGING: Environment = { protected: false, allowProductionLookingNames: false, buckets: {} };
const ENVIRONMENTS = 'environments:\n  staging: {}\n';

let world: TrustWorld;
let postgres: TestPostgres;
let store: RunStore;
let storeUrl: string;
const clock = systemClock();

beforeAll(async () => {
  [world, postgres] = await Promise.all([
    startTrustWorld([
      { name: 'alice', algorithm: 'ed25519' },
      { name: 'bob', algorithm: 'rsa3072', passphrase: 'bob-secret-passphrase' },
      { name: 'carol', algorithm: 'ed25519' },
    ]),
    startTestPostgres(),
  ]);
  await postgres.createDatabase('firedrill');
  storeUrl = postgres.url('firedrill');
  store = await openPostgresRunStore(storeUrl);
  await writeFile(join(world.dir, 'vault.kdbx'), 'the DR bundle');
  await writeFile(join(world.dir, 'old.txt'), 'sealed before carol joined');
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
  await world?.stop();
});

/** A config with the circle under `prefix`, its bundle sealed by firedrill, and the runtimes for it. */
async function sealedCircle(prefix: string, seal = true) {
  const config = await world.writeConfig(`${prefix}.yaml`, { holders: ['alice', 'bob', 'carol'], threshold: 2, prefix: `${prefix}/`, extra: ENVIRONMENTS });
  if (seal) expect(await sealCommand(capturingContext(world.env), config, [join(world.dir, 'vault.kdbx')])).toBe(0);
  const loaded = await loadCatalogue(config);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const runtimes = runtimeFactory({ configDir: world.dir, env: world.env, trust: loaded.catalogue.config.trust, configPath: config });
  return { config, deps: { store, clock, runtimes } };
}

function drill(target: Record<string, unknown>, overrides: Record<string, unknown> = {}): Drill {
  return Drill.parse({
    id: 'key-holder-test',
    title: 'a key-holder is gone (test)',
    kind: 'key-holder-unavailable',
    severity: 'medium',
    target,
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'command', name: 'nothing else touched', run: 'true' }], interval: `${INTERVAL_MS}ms`, stableFor: '1ms' },
    recovery: { mode: 'manual' },
    maxDuration: '45s',
    ...overrides,
  });
}

async function challengeIn(bucket: BucketName, prefix: string, runId: string): Promise<string | undefined> {
  const key = `firedrill-challenges/${runId}.asc`;
  const objects = await world.store(bucket, `${prefix}/`).list('firedrill-challenges/');
  return objects.some((object) => object.key === key) ? readText(world.store(bucket, `${prefix}/`), key) : undefined;
}

function answerWithKey(config: string, runId: string, holder: string, extra: string[] = []) {
  return runCli(['trust', 'answer', runId.slice(0, 8), '--config', config, '--key', join(world.dir, world.holders[holder]!.secretKey), ...extra], {
    env: { ...world.env, DATABASE_URL: storeUrl, BOB_PASS: 'bob-secret-passphrase' },
  });
}

describe('the key-holder-unavailable drill', () => {
  it('times access: a remaining holder fetches the challenge, decrypts it with their own key and answers', async () => {
    const { config, deps } = await sealedCircle('access');
    const waiter = eventWaiter();
    const running = runDrill(deps, { drill: drill({ holder: 'alice' }), environmentName: 'staging', environment: STAGING, requestedBy: 'ops', onEvent: waiter.onEvent });
    const { runId } = await waiter.next('injected');
    const injectedAt = performance.now();

    // Sealed to the holders left, in every bucket; the unavailable holder cannot read it.
    const armored = (await challengeIn('offsite', 'access', runId))!;
    for (const bucket of BUCKETS) expect(await challengeIn(bucket, 'access', runId)).toBe(armored);
    const challenge = parseChallenge((await world.holders.carol!.gpg.decrypt(armored)).toString())!;
    expect(challenge.runId).toBe(runId);
    await expect(world.holders.alice!.gpg.decrypt(armored)).rejects.toThrow(/No secret key/i);

    // A wrong answer, and the right code from the holder who is gone: both journaled and ignored.
    await store.append(runId, { type: 'answer-submitted', by: 'bob', answer: 'WRONG-CODE' }, clock.now());
    await store.append(runId, { type: 'answer-submitted', by: 'alice', answer: challenge.code }, clock.now());
    await sleep(4 * INTERVAL_MS);
    expect(findEvents(await store.events(runId), 'recovered')).toEqual([]);

    const refused = await answerWithKey(config, runId, 'alice');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`the challenge of run ${runId} is not encrypted to alice: in this drill alice is the key-holder declared unavailable`);

    const answerStarted = performance.now();
    const answered = await answerWithKey(config, runId, 'bob', ['--passphrase-env', 'BOB_PASS']);
    const answeredAt = performance.now();
    expect(answered.stderr).toContain(`answer from bob sent for run ${runId} (challenge fetched from bucket primary)`);
    expect(answered.code).toBe(0);
    expect(answered.stderr + answered.stdout).not.toContain('bob-secret-passphrase');
    expect(answered.stderr + answered.stdout).not.toContain(challenge.code);

    const { scorecard } = await running;
    expect(scorecard.outcome).toBe('pass');
    expect(scorecard.rtoMs).toBeGreaterThanOrEqual(answerStarted - injectedAt - 50);
    expect(scorecard.rtoMs).toBeLessThanOrEqual(answeredAt - injectedAt + INTERVAL_MS + 200);
    expect(scorecard.measurements).toEqual([
      { name: 'unavailable holder', value: 'alice' },
      { name: 'bucket used by bob', value: 'primary' },
      { name: 'holders answered', value: 1 },
      { name: 'quorum left', value: 2 },
      { name: 'threshold', value: 2 },
    ]);
    expect(scorecard.verification[0]).toEqual({
      check: 'quorum left',
      ok: true,
      detail: '2 remaining key-holder(s) (bob, carol) can decrypt all 1 sealed file(s); threshold 2',
    });
    const texts = scorecard.events.map((event) => event.text);
    expect(texts).toContain('ignored cli signal bob: wrong answer from bob');
    expect(texts).toContain('ignored cli signal alice: alice is the unavailable key-holder in this drill: their answer does not count');
    expect(texts.join('\n')).not.toContain(challenge.code);
    for (const bucket of BUCKETS) expect(await challengeIn(bucket, 'access', runId)).toBeUndefined();
  });

  it('fails when fewer than threshold holders left can decrypt every sealed file', async () => {
    const before = await world.writeConfig('quorum-before.yaml', { holders: ['alice', 'bob'], threshold: 1, prefix: 'quorum/' });
    expect(await sealCommand(capturingContext(world.env), before, [join(world.dir, 'old.txt')])).toBe(0);
    const { deps } = await sealedCircle('quorum');
    const waiter = eventWaiter();
    const running = runDrill(deps, { drill: drill({ holder: 'alice' }), environmentName: 'staging', environment: STAGING, requestedBy: 'ops', onEvent: waiter.onEvent });
    const { runId } = await waiter.next('injected');
    const armored = (await challengeIn('secondary', 'quorum', runId))!;
    const { code } = parseChallenge((await world.holders.carol!.gpg.decrypt(armored)).toString())!;
    await store.append(runId, { type: 'answer-submitted', by: 'carol', answer: code.toLowerCase() }, clock.now());

    const { scorecard } = await running;
    expect(scorecard.outcome).toBe('fail');
    expect(scorecard.reason).toBe('verification failed');
    expect(scorecard.verification[0]?.ok).toBe(false);
    expect(scorecard.verification[0]?.detail).toContain('1 remaining key-holder(s) (bob) can decrypt all 2 sealed file(s); threshold 2; carol cannot decrypt old.txt.asc');
    expect(scorecard.measurements).toContainEqual({ name: 'quorum left', value: 1 });
  });

  it('refuses, changing nothing, when nothing is sealed in the buckets', async () => {
    const { deps } = await sealedCircle('empty', false);
    const { scorecard, runId } = await runDrill(deps, { drill: drill({}), environmentName: 'staging', environment: STAGING, requestedBy: 'ops' });
    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toContain('a sealed bundle is in the buckets left: nothing sealed there: run firedrill trust seal FILE... first');
    for (const bucket of BUCKETS) expect(await challengeIn(bucket, 'empty', runId)).toBeUndefined();
  });

  it('rolls back at maxDuration when nobody answers: the challenge is deleted', async () => {
    const { deps } = await sealedCircle('timeout');
    const { scorecard, runId } = await runDrill(deps, { drill: drill({}, { maxDuration: '1s' }), environmentName: 'staging', environment: STAGING, requestedBy: 'ops' });
    expect(scorecard.outcome).toBe('aborted');
    expect(scorecard.reason).toContain('timed out');
    // Picked at random, seeded by the run id, and recorded.
    expect(scorecard.measurements[0]?.name).toBe('unavailable holder');
    expect(scorecard.events.map((event) => event.text).join('\n')).toMatch(/declare key-holder (alice|bob|carol) unavailable \(random pick, seed [0-9a-f]{8} from run id [0-9a-f-]{36}\)/);
    for (const bucket of BUCKETS) expect(await challengeIn(bucket, 'timeout', runId)).toBeUndefined();
  });

  it('runs the built-in key-holder-gone drill from the CLI; a holder answers from another terminal', async () => {
    const { config } = await sealedCircle('cli');
    const child = spawnCli(['run', 'key-holder-gone', '--env', 'staging', '--config', config, '--json'], { env: { ...world.env, DATABASE_URL: storeUrl } });
    try {
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const drillStore = world.store('primary', 'cli/');
      let objects: { key: string }[] = [];
      for (let tries = 0; objects.length === 0 && tries < 200; tries++) {
        await sleep(100);
        objects = await drillStore.list('firedrill-challenges/');
      }
      const runId = /firedrill-challenges\/(.+)\.asc$/.exec(objects[0]!.key)![1]!;
      const gone = (await store.events(runId)).flatMap((event) => (event.type === 'injecting' ? event.actions : []))[0];
      const holder = ['alice', 'carol'].find((name) => !gone?.includes(`key-holder ${name} unavailable`))!;
      const answered = await answerWithKey(config, runId, holder);
      expect(answered.code).toBe(0);
      expect(await exited).toBe(0);
      const scorecard = JSON.parse(stdout) as { outcome: string; measurements: { name: string; value: unknown }[] };
      expect(scorecard.outcome).toBe('pass');
      expect(scorecard.measurements).toContainEqual({ name: 'quorum left', value: 2 });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('bucket-unavailable: one bucket taken away and another lost mid-drill; the holder fetches from the one left', async () => {
    const { config, deps } = await sealedCircle('buckets');
    const waiter = eventWaiter();
    const running = runDrill(deps, {
      drill: drill({ holder: 'carol', variant: 'bucket-unavailable', bucket: 'primary' }),
      environmentName: 'staging',
      environment: STAGING,
      requestedBy: 'ops',
      onEvent: waiter.onEvent,
    });
    const { runId } = await waiter.next('injected');
    expect(await challengeIn('primary', 'buckets', runId)).toBeUndefined();
    expect(await challengeIn('secondary', 'buckets', runId)).toBeDefined();
    await world.s3.secondary.stop();

    const answered = await answerWithKey(config, runId, 'alice');
    expect(answered.code).toBe(0);
    expect(answered.stderr).toContain('(challenge fetched from bucket offsite; skipped primary: no challenge for this run; secondary: cannot reach the S3 endpoint');

    const { scorecard } = await running;
    expect(scorecard.outcome).toBe('pass');
    expect(scorecard.measurements.slice(0, 3)).toEqual([
      { name: 'unavailable holder', value: 'carol' },
      { name: 'unavailable bucket', value: 'primary' },
      { name: 'bucket used by alice', value: 'offsite' },
    ]);
    expect(scorecard.measurements).toContainEqual({ name: 'quorum left', value: 2 });
    expect(await challengeIn('offsite', 'buckets', runId)).toBeUndefined();
    expect(scorecard.events.map((event) => event.text).join('\n')).toMatch(/undone: .*deleted from offsite; LEFT in s3:\/\/dr-secondary\/buckets\/firedrill-challenges\//);
  });
});
