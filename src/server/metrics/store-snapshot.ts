import type { DrillStanding, RunTally } from '../../history/ports.js';

/** Everything /metrics reads from the store at a scrape, read together so the figures agree. */
export interface StoreSnapshot {
  tallies: RunTally[];
  standings: DrillStanding[];
  /** Active runs by environment, every configured environment present (0 when idle). */
  active: Map<string, number>;
  /** Per environment: its resilience score (null when no drill applies) and how many of its drills are overdue. */
  scores: { environment: string; score: number | null; overdue: number }[];
  /** The next planned start of each schedule that has one. */
  nextStarts: { schedule: string; environment: string; startAt: Date }[];
}

/** Where the snapshot comes from; the composition root wires the store's ports into it. */
export interface StoreMetricsSource {
  read(): Promise<StoreSnapshot>;
}

/** A scrape gives up on the store after this long and reports it down rather than hanging Prometheus. */
export const SNAPSHOT_TIMEOUT_MS = 5_000;

/**
 * Reads the snapshot once for all the metrics of one scrape (each metric's collect() asks
 * for it), and for scrapes arriving within `reuseMs` of each other. A read that fails or takes
 * longer than SNAPSHOT_TIMEOUT_MS yields undefined: the store metrics are left out and
 * firedrill_store_up says 0.
 */
export function sharedSnapshot(source: StoreMetricsSource, now: () => number = Date.now, reuseMs = 1_000) {
  let last: { at: number; snapshot: Promise<{ snapshot?: StoreSnapshot; error?: unknown; tookMs: number }> } | undefined;
  return (): Promise<{ snapshot?: StoreSnapshot; error?: unknown; tookMs: number }> => {
    if (last && now() - last.at < reuseMs) return last.snapshot;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the store did not answer within ${SNAPSHOT_TIMEOUT_MS} ms`)), SNAPSHOT_TIMEOUT_MS);
    });
    const snapshot = Promise.race([source.read(), timeout])
      .then((value) => ({ snapshot: value, tookMs: performance.now() - started }))
      .catch((error: unknown) => ({ error, tookMs: performance.now() - started }))
      .finally(() => clearTimeout(timer));
    last = { at: now(), snapshot };
    return snapshot;
  };
}
