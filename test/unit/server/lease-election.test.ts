import { describe, expect, it } from 'vitest';
import { LeaseConflict, LeaseElection, type ElectionClock, type LeaseApi, type LeaseRecord, type LeaseTiming } from '../../../src/server/lease-election.js';

const TIMING: LeaseTiming = { leaseDurationMs: 10_000, renewDeadlineMs: 7_000, retryPeriodMs: 2_000 };

/** Time moves only when the test says so. */
class FakeClock implements ElectionClock {
  ms = 0;
  monoMs = () => this.ms;
  wall = () => new Date(Date.UTC(2027, 0, 1) + this.ms);
  sleep = () => new Promise<void>(() => undefined);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** One Lease with the API server's optimistic concurrency: a write with a stale resourceVersion gets 409. */
class MemoryLease implements LeaseApi {
  readonly describe = 'memory Lease';
  record: LeaseRecord | undefined;
  failing = false;
  private version = 0;

  async get(): Promise<LeaseRecord | undefined> {
    if (this.failing) throw new Error('the API server does not answer');
    return this.record && { ...this.record };
  }

  async create(record: Omit<LeaseRecord, 'resourceVersion'>): Promise<LeaseRecord> {
    if (this.failing) throw new Error('the API server does not answer');
    if (this.record) throw new LeaseConflict('exists');
    this.record = { ...record, resourceVersion: String(++this.version) };
    return { ...this.record };
  }

  async replace(record: LeaseRecord): Promise<LeaseRecord> {
    if (this.failing) throw new Error('the API server does not answer');
    if (!this.record || record.resourceVersion !== this.record.resourceVersion) throw new LeaseConflict('stale');
    this.record = { ...record, resourceVersion: String(++this.version) };
    return { ...this.record };
  }
}

/** An API whose reads all return the same snapshot: both candidates decide on it, as in a race. */
function racing(lease: MemoryLease): LeaseApi {
  let snapshot: LeaseRecord | undefined;
  return {
    describe: 'racing',
    get: async () => (snapshot ??= await lease.get()),
    create: (record) => lease.create(record),
    replace: (record) => lease.replace(record),
  };
}

function world() {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const elector = (identity: string, api: LeaseApi = lease) => new LeaseElection(api, identity, TIMING, clock);
  return { clock, lease, elector };
}

describe('leader election on a Lease', () => {
  it('creates the Lease for the first candidate; the second follows while it is renewed', async () => {
    const { clock, lease, elector } = world();
    const a = elector('a');
    const b = elector('b');
    await a.step();
    await b.step();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(lease.record).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 10, leaseTransitions: 0 });
    for (let round = 0; round < 20; round++) {
      clock.advance(TIMING.retryPeriodMs);
      await a.step();
      await b.step();
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    }
    expect(lease.record?.renewTime).toEqual(clock.wall());
  });

  it('takes over a Lease nobody renews once leaseDuration has passed since it last changed, counting the transition', async () => {
    const { clock, lease, elector } = world();
    const a = elector('a');
    const b = elector('b');
    await a.step();
    const acquiredByA = lease.record!.acquireTime;
    await b.step();
    // a dies: it renews no more. b judges by its own clock since it last saw the record change.
    clock.advance(TIMING.leaseDurationMs - 1);
    await b.step();
    expect(b.isLeader()).toBe(false);
    clock.advance(1);
    await b.step();
    expect(b.isLeader()).toBe(true);
    expect(lease.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1, acquireTime: clock.wall() });
    expect(lease.record!.acquireTime).not.toEqual(acquiredByA);
  });

  it("measures expiry from when it saw the record change, not from the holder's renewTime (clocks may disagree)", async () => {
    const { clock, lease, elector } = world();
    const a = elector('a');
    await a.step();
    // The holder's clock runs an hour behind: its renewTime looks long expired to anyone comparing wall clocks.
    lease.record = { ...lease.record!, renewTime: new Date(clock.wall().getTime() - 3_600_000) };
    const b = elector('b');
    await b.step();
    expect(b.isLeader()).toBe(false);
    clock.advance(TIMING.leaseDurationMs - 1);
    await b.step();
    expect(b.isLeader()).toBe(false);
  });

  it('steps a leader down when it cannot renew for renewDeadline, before any candidate may take the Lease', async () => {
    const { clock, lease, elector } = world();
    let aCutOff = false;
    const cut = () => Promise.reject(new Error('a is cut off from the API server'));
    const aApi: LeaseApi = {
      describe: 'a',
      get: () => (aCutOff ? cut() : lease.get()),
      create: (record) => (aCutOff ? cut() : lease.create(record)),
      replace: (record) => (aCutOff ? cut() : lease.replace(record)),
    };
    const a = elector('a', aApi);
    const b = elector('b');
    await a.step();
    await b.step();
    const changes: boolean[] = [];
    a.onChange((leading) => changes.push(leading));
    aCutOff = true;
    let aSteppedDownAt: number | undefined;
    let bLeadsAt: number | undefined;
    for (let t = 0; t < 20; t++) {
      clock.advance(1_000);
      await a.step();
      await b.step();
      if (!a.isLeader()) aSteppedDownAt ??= clock.ms;
      if (b.isLeader()) bLeadsAt ??= clock.ms;
      expect(a.isLeader() && b.isLeader(), `two leaders at ${clock.ms} ms`).toBe(false);
    }
    expect(aSteppedDownAt).toBe(TIMING.renewDeadlineMs);
    expect(bLeadsAt).toBe(TIMING.leaseDurationMs);
    expect(changes).toEqual([false]);
  });

  it('lets only one of two candidates that read the same expired Lease win: the other gets a conflict', async () => {
    const { clock, lease, elector } = world();
    const old = elector('old');
    await old.step();
    // Both candidates read the same record, see it expire on their clocks, and write with its resourceVersion.
    const raceA = elector('a', racing(lease));
    const raceB = elector('b', racing(lease));
    await raceA.step();
    await raceB.step();
    clock.advance(TIMING.leaseDurationMs);
    await raceA.step();
    await raceB.step();
    const leading = [raceA, raceB].filter((candidate) => candidate.isLeader());
    expect(leading).toHaveLength(1);
    expect(lease.record?.holderIdentity).toBe(leading[0]!.identity);
  });

  it('gives the Lease up on stop, so a candidate takes it at once', async () => {
    const { lease, elector } = world();
    const a = elector('a');
    const b = elector('b');
    await a.step();
    await b.step();
    await a.stop();
    expect(a.isLeader()).toBe(false);
    expect(lease.record?.holderIdentity).toBeNull();
    await b.step();
    expect(b.isLeader()).toBe(true);
    expect(lease.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('steps down at once when it finds another holder in the Lease', async () => {
    const { lease, elector } = world();
    const a = elector('a');
    await a.step();
    lease.record = { ...lease.record!, holderIdentity: 'intruder' };
    await a.step();
    expect(a.isLeader()).toBe(false);
  });

  it('counts a call that hangs as a failed round, so a hung API cannot keep a leader past its deadline', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    let hang = false;
    const api: LeaseApi = { describe: 'hanging', get: () => (hang ? new Promise(() => undefined) : lease.get()), create: (r) => lease.create(r), replace: (r) => lease.replace(r) };
    // Sleeps end when the test says: the round's timeout fires on `timeUp`.
    const sleepers: (() => void)[] = [];
    const timeUp = () => sleepers.splice(0).forEach((wake) => wake());
    const controlled: ElectionClock = { monoMs: () => clock.ms, wall: () => clock.wall(), sleep: () => new Promise((wake) => sleepers.push(wake)) };
    const a = new LeaseElection(api, 'a', TIMING, controlled);
    await a.step();
    expect(a.isLeader()).toBe(true);
    hang = true;
    for (let round = 1; round * TIMING.retryPeriodMs < TIMING.renewDeadlineMs; round++) {
      clock.advance(TIMING.retryPeriodMs);
      const stepped = a.step();
      await Promise.resolve();
      timeUp();
      await stepped;
      expect(a.isLeader(), `within the deadline, after ${clock.ms} ms`).toBe(true);
    }
    clock.advance(TIMING.retryPeriodMs);
    const stepped = a.step();
    await Promise.resolve();
    timeUp();
    await stepped;
    expect(a.isLeader()).toBe(false);
  });
});
