import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLeaderLock } from '../../adapters/postgres/leader-lock.js';
import type { LeaderElector } from '../../src/server/leader-elector.js';
import { follow, waitFor } from '../support/embedded-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let url: string;
const electors: LeaderElector[] = [];

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('leader');
  url = postgres.url('leader');
});
afterEach(async () => {
  await Promise.all(electors.splice(0).map((elector) => elector.stop()));
});
afterAll(async () => {
  await postgres?.stop();
});

function elector(identity: string, name = 'firedrill'): LeaderElector {
  const started = startLeaderLock(url, { identity, name });
  electors.push(started);
  return started;
}

const leading = (candidates: LeaderElector[]) => candidates.filter((candidate) => candidate.isLeader()).map((candidate) => candidate.identity);

async function onlyLeader(candidates: LeaderElector[], timeoutMs = 15_000): Promise<LeaderElector> {
  return waitFor('exactly one leader', async () => (leading(candidates).length === 1 ? candidates.find((c) => c.isLeader()) : undefined), timeoutMs);
}

async function query<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('leader election on a PostgreSQL advisory lock', () => {
  it('elects exactly one of three, and keeps it so', async () => {
    const candidates = [elector('a'), elector('b'), elector('c')];
    const leader = await onlyLeader(candidates);
    for (let check = 0; check < 5; check++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(leading(candidates)).toEqual([leader.identity]);
    }
  });

  it('elects one leader per name', async () => {
    const candidates = [elector('a', 'one'), elector('b', 'one'), elector('c', 'two'), elector('d', 'two')];
    await waitFor('a leader for each name', async () => (leading(candidates).length === 2 ? true : undefined));
    expect(leading(candidates.slice(0, 2))).toHaveLength(1);
    expect(leading(candidates.slice(2))).toHaveLength(1);
  });

  it('steps down the moment its connection is cut, and another leads within one retry', async () => {
    const candidates = [elector('a'), elector('b')];
    const leader = await onlyLeader(candidates);
    const other = candidates.find((candidate) => candidate !== leader)!;
    const steppedDown = new Promise<boolean>((resolve) => leader.onChange(resolve));
    const cutAt = performance.now();
    await query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [`firedrill leader ${leader.identity}`]);
    expect(await steppedDown).toBe(false);
    await waitFor('the other to lead', async () => (other.isLeader() ? true : undefined), 15_000);
    // One retry period (2 s) and the time to ask, not a lease duration: the lock went with the connection.
    expect(performance.now() - cutAt).toBeLessThan(5_000);
    expect(leading(candidates)).toEqual([other.identity]);
    // The cut one comes back as a follower.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(leading(candidates)).toEqual([other.identity]);
  });

  it('hands over at once when the leader stops', async () => {
    const candidates = [elector('a'), elector('b')];
    const leader = await onlyLeader(candidates);
    const other = candidates.find((candidate) => candidate !== leader)!;
    await leader.stop();
    expect(leader.isLeader()).toBe(false);
    await waitFor('the other to lead', async () => (other.isLeader() ? true : undefined), 5_000);
  });

  it("lets another lead within seconds when the leader's process is killed with -9", async () => {
    const script = fileURLToPath(new URL('../support/leader-lock-child.ts', import.meta.url));
    const child = follow(spawn(process.execPath, ['--import', 'tsx', script, url, 'doomed'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await child.waitFor(/leading/, 'stdout');
      const survivor = elector('survivor');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(survivor.isLeader()).toBe(false);
      const killedAt = performance.now();
      child.child.kill('SIGKILL');
      await once(child.child, 'exit');
      await waitFor('the survivor to lead', async () => (survivor.isLeader() ? true : undefined), 15_000);
      const takeoverMs = performance.now() - killedAt;
      console.log(`advisory lock: a killed leader was replaced after ${(takeoverMs / 1000).toFixed(1)} s`);
      expect(takeoverMs).toBeLessThan(5_000);
    } finally {
      child.child.kill('SIGKILL');
    }
  });
});
