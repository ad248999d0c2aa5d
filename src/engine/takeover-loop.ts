import type { RunSummary } from './ports.js';
import { takeOverRun, type TakeoverDeps, type TakeoverReport } from './takeover.js';

/**
 * A run is orphaned when no process holds its claim for this long. A store restart drops every
 * claim for a moment, and live owners take theirs back within a second (run-claim.ts); only a
 * claim that stays free is a dead owner's.
 */
export const ORPHANED_AFTER_MS = 3_000;

export interface TakeoverLoopOptions {
  /** True while this process leads: only the leader takes runs over. */
  leads(): boolean;
  report(report: TakeoverReport): void;
  failed(error: unknown, run: RunSummary): void;
  /** Monotonic milliseconds; tests pass their own. */
  now?: () => number;
  orphanedAfterMs?: number;
}

/**
 * Looks for orphaned runs on every replica (so a new leader already knows which claims have
 * stayed free), and on the leader takes each over: resumed or rolled back (takeover.ts).
 * The same rule covers a dead leader's scheduled run, a dead follower's chat run and a
 * `firedrill run` killed on someone's laptop: whoever owned it, a free claim means it is gone.
 */
export class TakeoverLoop {
  private readonly freeSince = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  /** Runs a person must look at (or whose environment is gone): reported once, not retried. */
  private readonly parked = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: TakeoverDeps,
    private readonly options: TakeoverLoopOptions,
  ) {}

  start(everyMs = 1_000, onError: (error: unknown) => void = () => undefined): void {
    const run = () => {
      this.scanning = this.scanning.then(() => this.scan()).catch(onError);
    };
    run();
    this.timer = setInterval(run, everyMs);
  }

  /** Stops looking; runs being driven have been told to stop by `deps.stop`, and are waited for. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.scanning;
    await Promise.allSettled(this.running.values());
  }

  async scan(): Promise<void> {
    const now = (this.options.now ?? (() => performance.now()))();
    const unfinished = (await this.deps.store.unfinished()).filter((run) => !this.running.has(run.id) && !this.parked.has(run.id));
    const claimed = await this.deps.store.claimed(unfinished.map((run) => run.id));
    for (const id of this.freeSince.keys()) if (!unfinished.some((run) => run.id === id)) this.freeSince.delete(id);
    for (const run of unfinished) {
      if (claimed.has(run.id)) {
        this.freeSince.delete(run.id);
        continue;
      }
      const since = this.freeSince.get(run.id) ?? now;
      this.freeSince.set(run.id, since);
      if (!this.options.leads() || this.deps.stop.aborted || now - since < (this.options.orphanedAfterMs ?? ORPHANED_AFTER_MS)) continue;
      const claim = await this.deps.store.claim(run.id);
      if (!claim) continue;
      this.freeSince.delete(run.id);
      const work = takeOverRun(this.deps, run)
        .then(
          (report) => {
            if (report.result === 'needs-attention' || report.result === 'unknown-environment') this.parked.add(run.id);
            this.options.report(report);
          },
          (error: unknown) => this.options.failed(error, run),
        )
        .finally(async () => {
          await claim.release();
          this.running.delete(run.id);
        });
      this.running.set(run.id, work);
    }
  }
}
