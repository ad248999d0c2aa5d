import type { Drill } from '../catalogue/drill-schema.js';
import { formatDuration } from '../catalogue/duration.js';
import { randomSeed, seededRandom } from '../catalogue/pick.js';
import type { RunStore } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { blackoutReason } from './blackout.js';
import { formatInZone, nextCronTimes } from './next-runs.js';
import type { Occurrence, ScheduleStore } from './ports.js';
import type { Schedule } from './schedule-schema.js';
import { selectDrill } from './select-drill.js';

export interface SchedulerDeps {
  schedules: readonly Schedule[];
  store: ScheduleStore;
  runs: RunStore;
  /** The drills allowed in an environment, with the config's overrides applied. */
  drillsFor(environment: string): Drill[];
  /** Starts the run and returns at once; the run reports through its own journal. */
  startRun(drill: Drill, schedule: Schedule, reason: string): void;
  /** `upcoming` is the heads-up before a start, which people may answer with a postpone. */
  announce(schedule: Schedule, text: string, kind: 'upcoming' | 'notice'): Promise<void>;
  newSeed?: () => string;
}

/** A start that was due more than this long ago was missed (firedrill was not running). */
export const MISSED_AFTER_MS = 60_000;

/**
 * Moves each schedule's next occurrence along: plan (cron time + jitter), announce,
 * then start or skip with the reason. All state is in the store, so `tick` may be called
 * by a fresh process after a restart and carries on where the last one stopped.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SchedulerDeps) {}

  /** Ticks every `everyMs` while `leads()` says so: of replicas sharing a store, only the leader starts drills. */
  start(everyMs = 1_000, onError: (error: unknown, schedule: string) => void = () => undefined, leads: () => boolean = () => true): void {
    const run = () => {
      // Asked again when the tick runs, not when it is queued: a replica that stepped down meanwhile skips it.
      this.ticking = this.ticking.then(() => (leads() ? this.tick(onError) : undefined));
    };
    run();
    this.timer = setInterval(run, everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  async tick(onError: (error: unknown, schedule: string) => void = (error) => { throw error; }): Promise<void> {
    for (const schedule of this.deps.schedules) {
      try {
        await this.advance(schedule);
      } catch (error) {
        onError(error, schedule.name);
      }
    }
  }

  /** Moves the pending occurrence by the schedule's postpone delay, at most `maxTimes`. */
  async postpone(name: string, by: string): Promise<string> {
    const schedule = this.deps.schedules.find((candidate) => candidate.name === name);
    if (!schedule) {
      throw new UserError(`no schedule "${name}"`, `schedules: ${this.deps.schedules.map((s) => s.name).join(', ') || 'none configured'}`);
    }
    const occurrence = await this.deps.store.pending(name);
    if (!occurrence) throw new UserError(`schedule ${name} has no upcoming drill to postpone`);
    if (occurrence.postponedCount >= schedule.postpone.maxTimes) {
      throw new UserError(`the ${formatInZone(occurrence.cronAt, schedule.timezone)} drill of ${name} was already postponed ${occurrence.postponedCount} times, the most allowed`);
    }
    const startAt = new Date(occurrence.startAt.getTime() + schedule.postpone.delay);
    await this.deps.store.update({ ...occurrence, startAt, status: 'planned', postponedCount: occurrence.postponedCount + 1, detail: `postponed by ${by}` });
    const text = `${by} postponed the ${name} drill by ${formatDuration(schedule.postpone.delay)} to ${formatInZone(startAt, schedule.timezone)}`;
    await this.deps.announce(schedule, text, 'notice');
    return text;
  }

  private async advance(schedule: Schedule): Promise<void> {
    const occurrence = (await this.deps.store.pending(schedule.name)) ?? (await this.planNext(schedule));
    const now = Date.now();
    const startAt = occurrence.startAt.getTime();

    if (now > startAt + MISSED_AFTER_MS) {
      const detail = `missed: firedrill was not running at ${formatInZone(occurrence.startAt, schedule.timezone)}, so that drill did not start (not run late)`;
      await this.finish(schedule, occurrence, 'missed', `${schedule.name}: ${detail}; next: ${this.nextText(schedule, occurrence)}`, detail);
      return;
    }
    const calendarBlackout = blackoutReason(schedule, occurrence.startAt, false);
    const announceFrom = startAt - (schedule.announce ?? 0);
    if (occurrence.status === 'planned' && now >= announceFrom && schedule.announce !== undefined) {
      if (calendarBlackout) return this.skip(schedule, occurrence, calendarBlackout);
      await this.deps.store.update({ ...occurrence, status: 'announced' });
      await this.deps.announce(
        schedule,
        `${schedule.name}: a ${schedule.pick === 'random' ? 'random drill' : `${schedule.pick} drill`} starts in ${schedule.environment} at ` +
          `${formatInZone(occurrence.startAt, schedule.timezone)}. Postpone it: firedrill postpone ${schedule.name}`,
        'upcoming',
      );
      return;
    }
    if (now < startAt) return;
    const reason = blackoutReason(schedule, occurrence.startAt, Boolean(await this.deps.store.openIncidentNow())) ?? (await this.activeRunReason(schedule));
    if (reason) return this.skip(schedule, occurrence, reason);

    const recent = await this.deps.runs.list({ environment: schedule.environment, limit: 200 });
    const selection = selectDrill(schedule, this.deps.drillsFor(schedule.environment), recent, new Date(now), occurrence.seed);
    if (!selection.drill) return this.skip(schedule, occurrence, selection.reason);
    await this.finish(schedule, occurrence, 'started', `${schedule.name}: starting ${selection.drill.id} in ${schedule.environment}: ${selection.reason}`, selection.reason);
    this.deps.startRun(selection.drill, schedule, selection.reason);
  }

  private async planNext(schedule: Schedule): Promise<Occurrence> {
    const [cronAt] = nextCronTimes(schedule, 1);
    const seed = (this.deps.newSeed ?? randomSeed)();
    const jitterMs = schedule.jitter ? Math.floor(seededRandom(`${seed}:jitter`)() * schedule.jitter) : 0;
    return this.deps.store.plan({
      schedule: schedule.name,
      cronAt: cronAt!,
      startAt: new Date(cronAt!.getTime() + jitterMs),
      seed,
      status: 'planned',
      postponedCount: 0,
      detail: null,
    });
  }

  private async activeRunReason(schedule: Schedule): Promise<string | undefined> {
    const [active] = await this.deps.runs.active(schedule.environment);
    return active && `another run is active in ${schedule.environment} (${active.drill}, ${active.id})`;
  }

  private skip(schedule: Schedule, occurrence: Occurrence, reason: string): Promise<void> {
    const text = `${schedule.name}: skipped the ${formatInZone(occurrence.startAt, schedule.timezone)} drill: ${reason}; next: ${this.nextText(schedule, occurrence)}`;
    return this.finish(schedule, occurrence, 'skipped', text, reason);
  }

  private async finish(schedule: Schedule, occurrence: Occurrence, status: Occurrence['status'], text: string, detail: string): Promise<void> {
    await this.deps.store.update({ ...occurrence, status, detail });
    await this.deps.announce(schedule, text, 'notice');
  }

  /** The cron time after `occurrence` (which may still be ahead when it is skipped early). */
  private nextText(schedule: Schedule, occurrence: Occurrence): string {
    const upcoming = nextCronTimes(schedule, 3).find((date) => date > occurrence.cronAt);
    return upcoming ? formatInZone(upcoming, schedule.timezone) : 'none';
  }
}
