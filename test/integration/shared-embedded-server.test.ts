import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedServer } from '../../adapters/postgres/embedded-server.js';
import { openSharedEmbeddedServer, type SharedEmbeddedServer } from '../../adapters/postgres/shared-embedded-server.js';
import { embeddedStoreIn, waitFor, type EmbeddedStoreProbe } from '../support/embedded-store.js';
import { startTestPostgres } from '../support/servers.js';

// Each user holds its own connections, so users in one process behave as users in several:
// the races below are set up here, where they can be timed exactly.
let stateDir: string;
let store: EmbeddedStoreProbe;
const opened: SharedEmbeddedServer[] = [];

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'firedrill-shared-'));
  store = embeddedStoreIn(stateDir);
});

afterEach(async () => {
  for (const server of opened.splice(0)) await server.close();
  await store.waitForStopped();
  await rm(stateDir, { recursive: true, force: true });
});

async function open(beforeStop?: () => Promise<void>): Promise<SharedEmbeddedServer> {
  const server = await openSharedEmbeddedServer({ dataDir: join(stateDir, 'store'), openTimeoutMs: 30_000, beforeStop });
  opened.push(server);
  return server;
}

async function close(server: SharedEmbeddedServer): Promise<void> {
  opened.splice(opened.indexOf(server), 1);
  await server.close();
}

async function select1(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('select 1 as one')).rows[0]!.one;
  } finally {
    await client.end();
  }
}

const users = async () =>
  (await store.query<{ n: string }>("select count(*) as n from pg_stat_activity where application_name like 'firedrill store user %'"))[0]!.n;

describe('the shared embedded store', () => {
  it('is one server for users that start it at the same moment, stopped when the last one leaves', async () => {
    // A fresh directory: both initialise, both start, one of each wins.
    const [first, second] = await Promise.all([open(), open()]);
    expect(first.url()).toBe(second.url());
    const server = await store.waitForRunning();
    expect(await users()).toBe('2');
    // The journal that undoes drills must survive a power cut.
    expect(await store.query('show fsync')).toEqual([{ fsync: 'on' }]);
    // A journal's worth of buffers, which starts sooner than PostgreSQL's default 128MB.
    expect(await store.query('show shared_buffers')).toEqual([{ shared_buffers: '32MB' }]);

    await close(first);
    expect(await store.running()).toEqual(server);
    expect(await select1(second.url())).toBe(1);
    expect(await users()).toBe('1');

    await close(second);
    expect(await store.running()).toBeUndefined();
  });

  it('tells the process that starts the server, while it starts, so it can work meanwhile; not one that joins it', async () => {
    let starting = 0;
    const first = await openSharedEmbeddedServer({ dataDir: join(stateDir, 'store'), openTimeoutMs: 30_000, whileStarting: () => starting++ });
    opened.push(first);
    expect(starting).toBe(1);
    expect(await select1(first.url())).toBe(1);
    const second = await openSharedEmbeddedServer({ dataDir: join(stateDir, 'store'), openTimeoutMs: 30_000, whileStarting: () => starting++ });
    opened.push(second);
    expect(second.url()).toBe(first.url());
    expect(starting).toBe(1);
  });

  it('tells a process the server it is joining as soon as it accepts connections, before opening ends', async () => {
    const seen: { user: string; url: string; whileOpening: boolean; answers?: number }[] = [];
    const openTelling = async (user: string) => {
      let opening = true;
      const server = await openSharedEmbeddedServer({
        dataDir: join(stateDir, 'store'),
        openTimeoutMs: 30_000,
        whenUp: (url) => {
          // The caller's own connections log in now, beside the lease's: they must get in.
          const entry = { user, url: url('postgres'), whileOpening: opening } as (typeof seen)[number];
          seen.push(entry);
          void select1(entry.url).then((one) => (entry.answers = one));
        },
      });
      opening = false;
      opened.push(server);
      return server;
    };
    const first = await openTelling('starts it');
    await openTelling('joins it');
    await waitFor('their connections to answer', async () => (seen.every((entry) => entry.answers === 1) ? true : undefined));
    expect(seen.map(({ answers, ...told }) => told)).toEqual([
      { user: 'starts it', url: first.url('postgres'), whileOpening: true },
      { user: 'joins it', url: first.url('postgres'), whileOpening: true },
    ]);
  });

  it('lets a user arriving while the last one stops wait, then start the server again', async () => {
    let arriving: Promise<SharedEmbeddedServer> | undefined;
    const leaving = await open(async () => {
      // The leaving user holds the lock exclusively: the arrival must queue behind it.
      arriving = open();
      await waitFor('the arrival to wait for its lease', async () => {
        const rows = await store.query<{ n: string }>('select count(*) as n from pg_locks where locktype = $1 and classid = $2 and not granted', ['advisory', 7_413_003]);
        return rows[0]!.n === '1' ? true : undefined;
      });
    });
    const stopped = await store.waitForRunning();

    await close(leaving);
    expect(arriving).toBeDefined();
    const arrived = await arriving!;
    const restarted = await store.waitForRunning();
    expect(restarted.pid).not.toBe(stopped.pid);
    expect(await select1(arrived.url())).toBe(1);
    expect(await users()).toBe('1');
  });

  it('holds back a process arriving at a server started after a crash, so owners of runs take their claims back first', async () => {
    await startEmbeddedServer({ dataDir: join(stateDir, 'store'), durable: true });
    await store.killServer();
    await open();
    const [server] = await store.query<{ up_ms: string; after_crash: string }>(
      "select extract(epoch from clock_timestamp() - pg_postmaster_start_time()) * 1000 as up_ms, current_setting('firedrill.after_crash') as after_crash",
    );
    expect(server!.after_crash).toBe('on');
    expect(Number(server!.up_ms)).toBeGreaterThanOrEqual(3_000);
  });

  it('leaves fsync off only where the caller says the data is thrown away', async () => {
    const throwAway = await startTestPostgres();
    try {
      const client = new pg.Client({ connectionString: throwAway.url() });
      await client.connect();
      expect((await client.query('show fsync')).rows).toEqual([{ fsync: 'off' }]);
      await client.end();
    } finally {
      await throwAway.stop();
    }
  });

  it('is started again, on the same port, by a user whose server was killed', async () => {
    const user = await open();
    const killed = await store.killServer();
    const restarted = await store.waitForRunning({ not: killed.pid });
    expect(restarted.port).toBe(killed.port);
    expect(await select1(user.url())).toBe(1);
    await waitFor('the user to hold its lease again', async () => ((await users()) === '1' ? true : undefined));
  });
});
