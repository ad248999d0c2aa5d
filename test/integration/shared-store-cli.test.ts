import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS, embeddedStoreCli, type EmbeddedStoreCli } from '../support/embedded-store-cli.js';
import { waitFor } from '../support/embedded-store.js';
import { runCli } from '../support/cli.js';

let world: EmbeddedStoreCli;

beforeEach(async () => {
  world = await embeddedStoreCli({ maxDuration: '10m' });
});

afterEach(async () => {
  await world?.cleanUp();
});

describe('the embedded store shared by several firedrill processes', () => {
  it('keeps serving a running drill while other commands come and go, and stops when the last one exits', async () => {
    const { store, cli } = world;
    const { run, runId } = await world.startRun();
    const server = await store.waitForRunning();

    const listed = await cli(['scorecards']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${runId.slice(0, 8)}\\s+active\\s+flag-outage in staging`));
    expect(await store.running()).toEqual(server);

    const detected = await cli(['detected', runId.slice(0, 8)], { FIREDRILL_USER: 'bob' });
    expect(detected.code, detected.stderr).toBe(0);
    expect(await store.running()).toEqual(server);

    const aborted = await cli(['abort', runId.slice(0, 8)], { FIREDRILL_USER: 'bob' });
    expect(aborted.code, aborted.stderr).toBe(0);

    // The drill undoes and scores as usual: nothing died under it.
    expect(await world.finished(run), run.stderr()).toBe(1);
    expect(run.stderr()).not.toMatch(/internal error/);
    const printed = JSON.parse(run.stdout()) as { runId: string; outcome: string; detectedBy: unknown };
    expect(printed).toMatchObject({ runId, outcome: 'aborted', detectedBy: { source: 'cli', name: 'bob' } });
    expect(await world.outageExists()).toBe(false);
    await store.waitForStopped();

    expect((await world.stored(runId)).scorecard).toEqual(printed);
    await store.waitForStopped();
  }, CLI_TEST_TIMEOUT_MS);

  it('keeps serve answering webhooks after another command exits, and reports a dead store on /healthz', async () => {
    const { store, cli } = world;
    const serve = world.start(['serve', '--port', '0']);
    const [, url] = await serve.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
    const { run, runId } = await world.startRun();
    const server = await store.waitForRunning();
    const alert = () =>
      fetch(`${url!}/hooks/generic`, {
        method: 'POST',
        headers: { authorization: 'Bearer alert-token-for-tests', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'ShopDown', status: 'firing' }),
      });

    expect((await cli(['scorecards'])).code).toBe(0);
    expect(await store.running()).toEqual(server);
    const detection = await alert();
    expect(detection.status).toBe(202);
    expect(await detection.json()).toMatchObject({ detections: 1 });
    expect((await fetch(`${url!}/healthz`)).status).toBe(200);

    expect((await cli(['abort', runId.slice(0, 8)])).code).toBe(0);
    expect(await world.finished(run)).toBe(1);
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
    expect((await fetch(`${url!}/readyz`)).status).toBe(503);
    // Alive all the same: a liveness probe must not restart a replica that is riding out the outage.
    expect((await fetch(`${url!}/livez`)).status).toBe(200);
    expect(down.reason).not.toContain((await readFile(join(world.dir, 'state', 'store', 'password'), 'utf8')).trim());

    // Allowed back: serve starts it again by itself.
    await store.mendConfig();
    await waitFor('/healthz to answer 200', async () => ((await fetch(`${url!}/healthz`)).status === 200 ? true : undefined));
    expect((await alert()).status).toBe(202);

    serve.child.kill('SIGTERM');
    expect(await world.finished(serve), serve.stderr()).toBe(0);
    await store.waitForStopped();
  }, CLI_TEST_TIMEOUT_MS);

  it('has two processes that start at the same moment share one server', async () => {
    const { store } = world;
    const chats = [world.start(['chat', '--as', 'alice'], { stdin: 'pipe' }), world.start(['chat', '--as', 'bob'], { stdin: 'pipe' })];
    await Promise.all(chats.map((chat) => chat.waitFor(/firedrill chat as/)));
    const server = await store.waitForRunning();
    const users = await store.query<{ application_name: string }>("select application_name from pg_stat_activity where application_name like 'firedrill store user %'");
    expect(users.map((user) => Number(user.application_name.split(' ').at(-1))).sort()).toEqual(chats.map((chat) => chat.child.pid).sort());

    chats[0]!.child.stdin!.end();
    expect(await world.finished(chats[0]!), chats[0]!.stderr()).toBe(0);
    expect(await store.running()).toEqual(server);

    chats[1]!.child.stdin!.end();
    expect(await world.finished(chats[1]!), chats[1]!.stderr()).toBe(0);
    await store.waitForStopped();
  }, CLI_TEST_TIMEOUT_MS);

  it('stops serve at start when its pages token cannot be read, and stops the store that serve started', async () => {
    // serve checks page access once its store is open (the logger loads while the store starts).
    const config = join(world.dir, 'pages-token.yaml');
    await writeFile(config, 'environments:\n  staging:\n    description: only read here\nserver:\n  pages:\n    auth:\n      token: { env: UNSET_PAGES_TOKEN }\n');
    const result = await runCli(['serve', '--port', '0', '--config', config], { env: world.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('environment variable UNSET_PAGES_TOKEN is not set');
    expect(result.stderr).not.toContain('    at ');
    expect(await world.store.running()).toBeUndefined();
    expect(await readFile(join(world.store.pgdata, 'PG_VERSION'), 'utf8')).toMatch(/^\d+/);
  }, CLI_TEST_TIMEOUT_MS);
});
