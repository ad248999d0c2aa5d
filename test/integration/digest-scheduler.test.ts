import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Digest as DigestContent } from '../../src/digest/digest.js';
import { Digest } from '../../src/digest/digest-schema.js';
import { DIGEST_LATE_AFTER_MS, DIGEST_OCCURRENCES, DigestScheduler } from '../../src/digest/digest-scheduler.js';
import type { RunStore } from '../../src/engine/ports.js';
import type { ScheduleStore } from '../../src/schedule/ports.js';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let database = 0;
let replicas: { runs: RunStore; schedules: ScheduleStore }[] = [];

const digest = Digest.parse({ cron: '0 9 * * 1', timezone: 'Europe/Berlin', channels: ['C0DIGEST', '!room:example.org'] })!;
const at = (iso: string) => vi.setSystemTime(new Date(iso));

interface Replica {
  scheduler: DigestScheduler;
  posts: { channel: string; digest: DigestContent }[];
  periods: { from: string; to: string }[];
  log: { text: string; failed: boolean }[];
}

function replica(schedules: ScheduleStore, seed: string, failing: string[] = []): Replica {
  const posts: Replica['posts'] = [];
  const periods: Replica['periods'] = [];
  const log: Replica['log'] = [];
  const scheduler = new DigestScheduler({
    digest,
    claims: schedules,
    async build(from, to) {
      periods.push({ from: from.toISOString(), to: to.toISOString() });
      return { from: from.toISOString(), to: to.toISOString(), environments: [], worstMiss: null, actions: null, overviewUrl: null };
    },
    async post(channel, digest) {
      if (failing.includes(channel)) throw new Error('no chat platform has this room');
      posts.push({ channel, digest });
    },
    report: (text, failed) => void log.push({ text, failed }),
    newSeed: () => seed,
  });
  return { scheduler, posts, periods, log };
}

beforeAll(async () => {
  postgres = await startTestPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});
beforeEach(async () => {
  database++;
  await postgres.createDatabase(`digest${database}`);
  // Two replicas of firedrill serve: each its own pool on the one store.
  replicas = [await openPostgresStores(postgres.url(`digest${database}`)), await openPostgresStores(postgres.url(`digest${database}`))];
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(replicas.map((stores) => stores.runs.close()));
});

describe('the digest schedule', () => {
  it('posts the week before its cron time to every channel, once, though two replicas both think they lead', async () => {
    at('2027-03-07T12:00:00Z'); // a Sunday
    const one = replica(replicas[0]!.schedules, 'seed-one');
    const two = replica(replicas[1]!.schedules, 'seed-two');
    await Promise.all([one.scheduler.tick(true), two.scheduler.tick(true)]);
    expect(one.posts).toEqual([]);
    expect(one.scheduler.nextAt().toISOString()).toBe('2027-03-08T08:00:00.000Z'); // Monday 09:00 in Berlin

    at('2027-03-08T08:00:01Z');
    await Promise.all([one.scheduler.tick(true), two.scheduler.tick(true)]);
    const posts = [...one.posts, ...two.posts];
    expect(posts.map((post) => post.channel).sort()).toEqual(['!room:example.org', 'C0DIGEST']);
    expect([...one.periods, ...two.periods]).toEqual([{ from: '2027-03-01T08:00:00.000Z', to: '2027-03-08T08:00:00.000Z' }]);
    const [occurrence] = await replicas[0]!.schedules.recent(DIGEST_OCCURRENCES, 5);
    expect(occurrence).toMatchObject({ status: 'started', detail: 'posted to 2 of 2 channel(s)' });
    expect(['seed-one', 'seed-two']).toContain(occurrence!.seed);

    // The next week comes round again.
    at('2027-03-15T08:00:02Z');
    await Promise.all([one.scheduler.tick(true), two.scheduler.tick(true)]);
    expect(one.posts.length + two.posts.length).toBe(4);
  });

  it('posts nothing on a replica that does not lead, and the leader posts when it takes over in time', async () => {
    at('2027-03-07T12:00:00Z');
    const follower = replica(replicas[0]!.schedules, 'follower');
    await follower.scheduler.tick(false);
    at('2027-03-08T08:00:01Z');
    await follower.scheduler.tick(false);
    expect(follower.posts).toEqual([]);
    expect(await replicas[0]!.schedules.recent(DIGEST_OCCURRENCES, 5)).toEqual([]);

    // The leader died just before 09:00; this replica leads from 09:20 and posts the digest then.
    at('2027-03-08T08:20:00Z');
    await follower.scheduler.tick(true);
    expect(follower.posts).toHaveLength(2);

    // A replica that followed while the digest was posted does not post it again when it leads.
    const other = replica(replicas[1]!.schedules, 'other');
    at('2027-03-08T07:00:00Z');
    await other.scheduler.tick(false);
    at('2027-03-08T08:30:00Z');
    await other.scheduler.tick(true);
    expect(other.posts).toEqual([]);
    expect(other.periods).toEqual([]);
  });

  it('lets a follower drop a cron time once it is too late to post', async () => {
    at('2027-03-08T07:00:00Z');
    const follower = replica(replicas[0]!.schedules, 'follower');
    await follower.scheduler.tick(false);
    at('2027-03-08T09:30:00Z');
    await follower.scheduler.tick(false);
    expect(follower.scheduler.nextAt().toISOString()).toBe('2027-03-15T08:00:00.000Z');
    await follower.scheduler.tick(true);
    expect(follower.posts).toEqual([]);
    expect(follower.log).toEqual([]);
  });

  it('does not post a digest late, and says so', async () => {
    at('2027-03-08T07:59:00Z');
    const late = replica(replicas[0]!.schedules, 'late');
    await late.scheduler.tick(true);
    at(new Date(Date.parse('2027-03-08T08:00:00Z') + DIGEST_LATE_AFTER_MS + 1_000).toISOString());
    await late.scheduler.tick(true);
    expect(late.posts).toEqual([]);
    expect(late.log).toEqual([
      { text: 'digest: the Mon 2027-03-08 09:00 Europe/Berlin digest was not posted on time and is not posted late; next: Mon 2027-03-15 09:00 Europe/Berlin', failed: true },
    ]);
  });

  it('posts to the channels it can and reports the one it cannot', async () => {
    at('2027-03-08T07:59:00Z');
    const partly = replica(replicas[0]!.schedules, 'partly', ['!room:example.org']);
    await partly.scheduler.tick(true);
    at('2027-03-08T08:00:00Z');
    await partly.scheduler.tick(true);
    expect(partly.posts.map((post) => post.channel)).toEqual(['C0DIGEST']);
    expect(partly.log).toEqual([
      {
        text: 'digest: the Mon 2027-03-08 09:00 Europe/Berlin digest posted to 1 of 2 channel(s); not to !room:example.org: no chat platform has this room; next: Mon 2027-03-15 09:00 Europe/Berlin',
        failed: true,
      },
    ]);
  });
});
