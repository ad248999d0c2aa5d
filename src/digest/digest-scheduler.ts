import { randomSeed } from '../catalogue/pick.js';
import type { Digest as DigestContent } from './digest.js';
import { formatInZone, nextCronTimes } from '../schedule/next-runs.js';
import type { ScheduleStore } from '../schedule/ports.js';
import type { Digest } from './digest-schema.js';

/** The occurrences of the digest live beside the schedules'; no schedule can have this name (they are lower-case and dashes). */
export const DIGEST_OCCURRENCES = 'digest:weekly';

/** The digest covers the week before its cron time. */
export const DIGEST_PERIOD_MS = 7 * 86_400_000;

/** A cron time noticed later than this (the leader changed, the store was down) is not posted late. */
export const DIGEST_LATE_AFTER_MS = 3_600_000;

export interface DigestSchedulerDeps {
  digest: NonNullable<Digest>;
  /** Where each replica claims a cron time: of those asking, one gets it (insert-once in the store). */
  claims: Pick<ScheduleStore, 'plan' | 'update'>;
  /** The digest of the period. */
  build(from: Date, to: Date): Promise<DigestContent>;
  /** Posts it to a channel or room (chat renders it); rejects when no chat platform has it. */
  post(channel: string, digest: DigestContent): Promise<void>;
  /** A line for the log: posted, failed, missed. */
  report(text: string, failed: boolean): void;
  now?: () => Date;
  newSeed?: () => string;
}

/**
 * Posts the digest at its cron times. Only the leader posts, and it first claims the cron time
 * in the store, so replicas (and a leader that changes at that moment) never post it twice.
 * A time missed while firedrill was not running is not made up; `tick` reads the clock, so
 * tests set the time and call it themselves.
 */
export class DigestScheduler {
  private due: Date | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DigestSchedulerDeps) {}

  start(everyMs = 1_000, leads: () => boolean = () => true): void {
    const run = () => {
      this.ticking = this.ticking.then(() => this.tick(leads()));
    };
    run();
    this.timer = setInterval(run, everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /** When the digest is posted next. */
  nextAt(): Date {
    return this.due ?? this.nextAfterNow();
  }

  /** Posts the digest when its time has come and this replica leads; a follower only keeps the time. */
  async tick(leading = true): Promise<void> {
    const now = this.now();
    if (this.due === undefined) {
      this.due = this.nextAfterNow();
      return;
    }
    if (now.getTime() < this.due.getTime()) return;
    const late = now.getTime() - this.due.getTime() > DIGEST_LATE_AFTER_MS;
    // A follower keeps the time pending while it may still be posted: if the leader died just
    // before it, this replica posts it on taking over (the claim stops a second post).
    if (!leading) {
      if (late) this.due = this.nextAfterNow();
      return;
    }
    const cronAt = this.due;
    this.due = this.nextAfterNow();
    const when = formatInZone(cronAt, this.deps.digest.timezone);
    if (late) {
      this.deps.report(`digest: the ${when} digest was not posted on time and is not posted late; next: ${this.nextText()}`, true);
      return;
    }
    try {
      await this.post(cronAt, when);
    } catch (error) {
      this.deps.report(`digest: the ${when} digest failed: ${error instanceof Error ? error.message : String(error)}`, true);
    }
  }

  private async post(cronAt: Date, when: string): Promise<void> {
    const seed = (this.deps.newSeed ?? randomSeed)();
    const claimed = await this.deps.claims.plan({ schedule: DIGEST_OCCURRENCES, cronAt, startAt: cronAt, seed, status: 'started', postponedCount: 0, detail: null });
    if (claimed.seed !== seed) return; // another replica has it
    const message = await this.deps.build(new Date(cronAt.getTime() - DIGEST_PERIOD_MS), cronAt);
    const failures: string[] = [];
    for (const channel of this.deps.digest.channels) {
      await this.deps.post(channel, message).catch((error: unknown) => failures.push(`${channel}: ${error instanceof Error ? error.message : String(error)}`));
    }
    const posted = this.deps.digest.channels.length - failures.length;
    const detail = `posted to ${posted} of ${this.deps.digest.channels.length} channel(s)${failures.length ? `; not to ${failures.join('; ')}` : ''}`;
    await this.deps.claims.update({ ...claimed, detail });
    this.deps.report(`digest: the ${when} digest ${detail}; next: ${this.nextText()}`, failures.length > 0);
  }

  private nextText(): string {
    return formatInZone(this.nextAt(), this.deps.digest.timezone);
  }

  private nextAfterNow(): Date {
    return nextCronTimes(this.deps.digest, 1)[0]!;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
