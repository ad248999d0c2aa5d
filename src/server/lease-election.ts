import { Leadership, type LeaderElector } from './leader-elector.js';

/** A coordination.k8s.io Lease as the election reads and writes it. */
export interface LeaseRecord {
  holderIdentity: string | null;
  leaseDurationSeconds: number;
  acquireTime: Date | null;
  renewTime: Date | null;
  leaseTransitions: number;
  /** Optimistic concurrency: a replace with a stale version is refused (409). */
  resourceVersion: string;
}

/** One Lease object; `create` and `replace` throw LeaseConflict when another writer got there first. */
export interface LeaseApi {
  readonly describe: string;
  get(): Promise<LeaseRecord | undefined>;
  create(record: Omit<LeaseRecord, 'resourceVersion'>): Promise<LeaseRecord>;
  replace(record: LeaseRecord): Promise<LeaseRecord>;
}

export class LeaseConflict extends Error {
  override readonly name = 'LeaseConflict';
}

/**
 * client-go's timings, shortened so that a dead leader is replaced within 15 s: a candidate
 * takes an unrenewed Lease `leaseDurationMs` after it last saw it change; the leader steps
 * down when it has not renewed for `renewDeadlineMs` (shorter, so it is gone first); everyone
 * tries every `retryPeriodMs`. Worst case after a leader dies: retry + lease + retry = 14 s.
 */
export interface LeaseTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { leaseDurationMs: 10_000, renewDeadlineMs: 7_000, retryPeriodMs: 2_000 };

export interface ElectionClock {
  /** Monotonic milliseconds: expiry is judged by this, never by another machine's renewTime. */
  monoMs(): number;
  /** Wall time, for the Lease's acquireTime and renewTime (what people and other tools read). */
  wall(): Date;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemElectionClock: ElectionClock = {
  monoMs: () => performance.now(),
  wall: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    }),
};

/**
 * Leader election on a Lease, with client-go's semantics: expiry is measured on this
 * replica's monotonic clock from when it last saw the record change (clocks of other machines
 * are never compared), takeover increments leaseTransitions and sets acquireTime, every write
 * carries the resourceVersion it read, and a leader that stops is replaced at once because it
 * clears holderIdentity on the way out.
 */
export class LeaseElection implements LeaderElector {
  private readonly leadership = new Leadership();
  private observed: { record: LeaseRecord; atMs: number } | undefined;
  private lastRenewMs = Number.NEGATIVE_INFINITY;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly api: LeaseApi,
    readonly identity: string,
    private readonly timing: LeaseTiming = DEFAULT_LEASE_TIMING,
    private readonly clock: ElectionClock = systemElectionClock,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  get describe(): string {
    return this.api.describe;
  }

  /** Leads only while the last renewal is younger than the renew deadline, even if a call hangs. */
  isLeader(): boolean {
    if (this.leadership.isLeader && this.clock.monoMs() - this.lastRenewMs >= this.timing.renewDeadlineMs) this.leadership.set(false);
    return this.leadership.isLeader;
  }

  onChange(listener: (leading: boolean) => void): () => void {
    return this.leadership.onChange(listener);
  }

  start(): this {
    this.loop ??= (async () => {
      while (!this.stopping.signal.aborted) {
        await this.step();
        await this.clock.sleep(this.timing.retryPeriodMs, this.stopping.signal);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    if (!this.isLeader()) return;
    this.leadership.set(false);
    await this.release().catch(this.onError);
  }

  /** One round: a candidate tries to acquire, a leader to renew; a leader that cannot steps down at its deadline. */
  async step(): Promise<void> {
    let renewed = false;
    try {
      renewed = await this.withinRetryPeriod(this.tryAcquireOrRenew());
    } catch (error) {
      if (!(error instanceof LeaseConflict)) this.onError(error);
    }
    if (renewed) {
      this.lastRenewMs = this.clock.monoMs();
      this.leadership.set(true);
      return;
    }
    const takenByOther = this.observed !== undefined && this.observed.record.holderIdentity !== this.identity;
    if (takenByOther) this.leadership.set(false);
    this.isLeader();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.wall();
    const current = await this.api.get();
    if (!current) {
      const created = await this.api.create({
        holderIdentity: this.identity,
        leaseDurationSeconds: this.timing.leaseDurationMs / 1000,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      });
      this.observe(created);
      return true;
    }
    this.observe(current);
    const holder = current.holderIdentity;
    const heldByOther = Boolean(holder) && holder !== this.identity;
    const expiresAtMs = this.observed!.atMs + current.leaseDurationSeconds * 1000;
    if (heldByOther && expiresAtMs > this.clock.monoMs()) return false;
    const ours = holder === this.identity;
    const replaced = await this.api.replace({
      holderIdentity: this.identity,
      leaseDurationSeconds: this.timing.leaseDurationMs / 1000,
      acquireTime: ours ? current.acquireTime : now,
      renewTime: now,
      leaseTransitions: ours ? current.leaseTransitions : current.leaseTransitions + 1,
      resourceVersion: current.resourceVersion,
    });
    this.observe(replaced);
    return true;
  }

  /** The time of observation changes only when the record does: an unrenewed Lease ages on our clock. */
  private observe(record: LeaseRecord): void {
    const same =
      this.observed &&
      this.observed.record.holderIdentity === record.holderIdentity &&
      this.observed.record.renewTime?.getTime() === record.renewTime?.getTime() &&
      this.observed.record.resourceVersion === record.resourceVersion;
    if (!same) this.observed = { record, atMs: this.clock.monoMs() };
  }

  private async release(): Promise<void> {
    const current = await this.api.get();
    if (!current || current.holderIdentity !== this.identity) return;
    const now = this.clock.wall();
    await this.api.replace({ ...current, holderIdentity: null, leaseDurationSeconds: 1, acquireTime: now, renewTime: now });
  }

  /** A call that hangs must not keep a leader past its deadline: it counts as a failed round. */
  private async withinRetryPeriod(work: Promise<boolean>): Promise<boolean> {
    const timeout = new AbortController();
    const timedOut = this.clock.sleep(this.timing.retryPeriodMs, timeout.signal).then(() => {
      if (timeout.signal.aborted) return false;
      throw new Error(`the Lease API did not answer within ${this.timing.retryPeriodMs} ms`);
    });
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      timeout.abort();
    }
  }
}
