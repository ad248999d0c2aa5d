import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopAbandonedServer } from '../../adapters/postgres/embedded-server.js';
import { openStore } from '../../src/compose/index.js';
import { runCli, spawnCli } from '../support/cli.js';
import { embeddedStoreIn, follow, waitFor, writeCommandDrillConfig, type EmbeddedStoreProbe, type FollowedProcess } from '../support/embedded-store.js';

// Each CLI process loads the whole program from source (seconds on a busy machine): generous timeouts.
const SLOW = 180_000;
// Every command here uses the embedded store in a temporary FIREDRILL_STATE_DIR: no store.url, no DATABASE_URL.
let dir: string;
let config: string;
let env: NodeJS.ProcessEnv;
let store: EmbeddedStoreProbe;
const started: FollowedProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-shared-cli-'));
  config = await writeCommandDrillConfig(dir, { maxDuration: '10m' });
  env = { FIREDRILL_STATE_DIR: join(dir, 'state'), DATABASE_URL: '', FIREDRILL_ALERT_TOKEN: 'alert-token-for-tests' };
  store = embeddedStoreIn(join(dir, 'state'));
});

afterEach(async () => {
  for (const leftover of started.splice(0)) {
    leftover.child.kill('SIGKILL');
    await leftover.exited;
  }
  // A killed last user leaves the server running; nobody else would stop it here.
  await stopAbandonedServer(join(dir, 'state', 'store'));
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli([...args, '--config', config], { env });
const start = (args: string[], options: { stdin?: 'pipe' } = {}) => {
  const followed = follow(spawnCli([...args, '--config', config], { env, ...options }));
  started.push(followed);
  return followed;
};
const finished = async (followed: FollowedProcess) => {
  const code = await followed.exited;
  started.splice(started.indexOf(followed), 1);
  return code;
};
/** What the store kept, read through the same openStore as the commands (a user like any other). */
async function storedScorecard(runId: string): Promise<unknown> {
  const opened = await openStore(undefined, { configDir: dir, env });
  try {
    return await opened.store.scorecard(runId);
  } finally {
    await opened.close();
  }
}
const outageExists = () => access(join(dir, 'outage')).then(() => true, () => false);

/** Starts `firedrill run flag-outage` and waits until its fault is injected. */
async function startRun(): Promise<{ run: FollowedProcess; runId: string }> {
  const run = start(['run', 'flag-outage', '--env', 'staging', '--json', '--as', 'alice']);
  const runId = await Promise.race([store.injectedRun(), run.exited.then(() => Promise.reject(new Error(`run exited early:\n${run.stderr()}`)))]);
  expect(await outageExists()).toBe(true);
  return { run, runId };
}

describe('the embedded store shared by several firedrill processes', () => {
  it('keeps serving a running drill while other commands come and go, and stops when the last one exits', async () => {
    const { run, runId } = await startRun();
    const server = await store.waitForRunning();

    const listed = await cli(['scorecards']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${runId.slice(0, 8)}\\s+active\\s+flag-outage in staging`));
    expect(await store.running()).toEqual(server);

    const detected = await cli(['detected', runId.slice(0, 8), '--as', 'bob']);
    expect(detected.code, detected.stderr).toBe(0);
    expect(await store.running()).toEqual(server);

    const aborted = await cli(['abort', runId.slice(0, 8), '--as', 'bob']);
    expect(aborted.code, aborted.stderr).toBe(0);

    // The drill undoes and scores as usual: nothing died under it.
    expect(await finished(run), run.stderr()).toBe(1);
    expect(run.stderr()).not.toMatch(/internal error/);
    const printed = JSON.parse(run.stdout()) as { runId: string; outcome: string; detectedBy: unknown };
    expect(printed).toMatchObject({ runId, outcome: 'aborted', detectedBy: { source: 'cli', name: 'bob' } });
    expect(await outageExists()).toBe(false);
    await store.waitForStopped();

    expect(await storedScorecard(runId)).toEqual(printed);
    await store.waitForStopped();
  }, SLOW);

  it('keeps serve answering webhooks after another command exits, and reports a dead store on /healthz', async () => {
    const serve = start(['serve', '--port', '0']);
    const [, url] = await serve.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
    const { run, runId } = await startRun();
    const server = await store.waitForRunning();

    expect((await cli(['scorecards'])).code).toBe(0);
    expect(await store.running()).toEqual(server);
    const alert = await fetch(`${url!}/hooks/generic`, {
      method: 'POST',
      headers: { authorization: 'Bearer alert-token-for-tests', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ShopDown', status: 'firing' }),
    });
    expect(alert.status).toBe(202);
    expect(await alert.json()).toMatchObject({ detections: 1 });
    expect((await fetch(`${url!}/healthz`)).status).toBe(200);

    expect((await cli(['abort', runId.slice(0, 8)])).code).toBe(0);
    expect(await finished(run)).toBe(1);
    expect(JSON.parse(run.stdout())).toMatchObject({ outcome: 'aborted', detectedBy: { source: 'generic', name: 'ShopDown' } });
    expect(await store.running()).toEqual(server);

    // Killed, and kept from coming back: /healthz says so.
    await store.breakConfig();
    await store.killServer();
    const down = await waitFor('/healthz to answer 503', async () => {
      const response = await fetch(`${url!}/healthz`);
      return response.status === 503 ? ((await response.json()) as { status: string; reason: string }) : undefined;
    });
    expect(down.status).toBe('unavailable');
    expect(down.reason).toMatch(/^the run store does not answer: /);
    expect(down.reason).not.toContain((await readFile(join(dir, 'state', 'store', 'password'), 'utf8')).trim());

    // Allowed back: serve starts it again by itself.
    await store.mendConfig();
    await waitFor('/healthz to answer 200', async () => ((await fetch(`${url!}/healthz`)).status === 200 ? true : undefined));
    expect((await fetch(`${url!}/hooks/generic`, { method: 'POST', headers: { authorization: 'Bearer alert-token-for-tests' }, body: '{"name":"ShopDown","status":"firing"}' })).status).toBe(202);

    serve.child.kill('SIGTERM');
    expect(await finished(serve), serve.stderr()).toBe(0);
    await store.waitForStopped();
  }, SLOW);

  it('has two processes that start at the same moment share one server', async () => {
    const chats = [start(['chat', '--as', 'alice'], { stdin: 'pipe' }), start(['chat', '--as', 'bob'], { stdin: 'pipe' })];
    await Promise.all(chats.map((chat) => chat.waitFor(/firedrill chat as/)));
    const server = await store.waitForRunning();
    const users = await store.query<{ application_name: string }>("select application_name from pg_stat_activity where application_name like 'firedrill store user %' order by 1");
    expect(users.map((user) => Number(user.application_name.split(' ').at(-1))).sort()).toEqual(chats.map((chat) => chat.child.pid).sort());

    chats[0]!.child.stdin!.end();
    expect(await finished(chats[0]!), chats[0]!.stderr()).toBe(0);
    expect(await store.running()).toEqual(server);

    chats[1]!.child.stdin!.end();
    expect(await finished(chats[1]!), chats[1]!.stderr()).toBe(0);
    await store.waitForStopped();
  }, SLOW);
});
