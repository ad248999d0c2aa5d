import { backupScheduleName, type BackupSchedule } from './backup-schema.js';
import { formatInZone, nextCronTimes } from './next-runs.js';

export interface BackupSchedulerDeps {
  backups: readonly BackupSchedule[];
  /** Takes one backup (and prunes old ones); resolves with a line saying what it did. */
  take(backup: BackupSchedule): Promise<string>;
  /** A line for the log: a backup taken, failed, or skipped. */
  report(text: string, failed: boolean): void;
}

/**
 * Takes each table's backup at its cron times. A time that passes while the previous backup
 * of the same table is still running is skipped (with a line saying so), not queued; a time
 * missed while firedrill was not running is not made up. `tick` reads the clock (Date), so
 * tests move time with fake timers and call it themselves.
 */
export class BackupScheduler {
  private readonly due = new Map<BackupSchedule, Date>();
  private readonly running = new Map<BackupSchedule, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: BackupSchedulerDeps) {}

  /** `leads`: with several `serve` replicas on one store, only the leader takes backups. */
  start(everyMs = 1_000, leads: () => boolean = () => true): void {
    this.tick(leads());
    this.timer = setInterval(() => this.tick(leads()), everyMs);
  }

  /** Stops planning new backups and waits for those running. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.idle();
  }

  /** Starts the backups that are due; returns at once (see idle). A replica that does not lead only keeps the times. */
  tick(leading = true): void {
    const now = Date.now();
    for (const backup of this.deps.backups) {
      const due = this.due.get(backup);
      if (due === undefined) {
        this.due.set(backup, nextAfterNow(backup));
        continue;
      }
      if (now < due.getTime()) continue;
      this.due.set(backup, nextAfterNow(backup));
      if (!leading) continue;
      const name = backupScheduleName(backup);
      if (this.running.has(backup)) {
        this.deps.report(`backup of ${name}: skipped the ${formatInZone(due, backup.timezone)} backup, the one before is still running`, true);
        continue;
      }
      const run = this.deps.take(backup).then(
        (text) => this.deps.report(text, false),
        (error: unknown) => this.deps.report(`backup of ${name} failed: ${error instanceof Error ? error.message : String(error)}`, true),
      );
      this.running.set(backup, run.finally(() => this.running.delete(backup)));
    }
  }

  /** Resolves once every backup started so far has finished (or failed). */
  async idle(): Promise<void> {
    await Promise.all(this.running.values());
  }

  /** When each backup runs next, for the start-up message. */
  nextTimes(): { backup: BackupSchedule; at: Date }[] {
    return this.deps.backups.map((backup) => ({ backup, at: this.due.get(backup) ?? nextAfterNow(backup) }));
  }
}

function nextAfterNow(backup: BackupSchedule): Date {
  return nextCronTimes({ cron: backup.schedule, timezone: backup.timezone }, 1)[0]!;
}
