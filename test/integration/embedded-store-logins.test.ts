import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/compose/index.js';
import { embeddedStoreIn } from '../support/embedded-store.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-store-logins-'));
});

afterEach(async () => {
  await embeddedStoreIn(join(dir, 'state')).waitForStopped();
  await rm(dir, { recursive: true, force: true });
});

// serve's store: its pool logs in while the process takes its lease on the embedded server.
describe('opening the embedded store', () => {
  it('opens its lease and the connections asked for, and no more, on a first start and on the next', async () => {
    const env = { FIREDRILL_STATE_DIR: join(dir, 'state'), DATABASE_URL: '' };
    const probe = embeddedStoreIn(join(dir, 'state'));
    for (const start of ['first (the database is made)', 'next']) {
      const opened = await openStore(undefined, { configDir: dir, env }, { connections: 2 });
      try {
        const sessions = await probe.query<{ database: string; name: string }>(
          "select datname as database, application_name as name from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() order by 1, 2",
        );
        expect(sessions, start).toEqual([
          { database: 'firedrill', name: '' },
          { database: 'firedrill', name: '' },
          { database: 'postgres', name: `firedrill store user ${process.pid}` },
        ]);
        // The journal is there (migrated) and empty.
        expect(await opened.store.list({ limit: 1 })).toEqual([]);
      } finally {
        await opened.close();
      }
      await probe.waitForStopped();
    }
  });
});
