import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../log.js';
import { OBJECTIVES, OUTCOMES } from './metric-names.js';
import { sharedSnapshot, type StoreMetricsSource, type StoreSnapshot } from './store-snapshot.js';

/**
 * Metrics read from the store at each scrape (collect() callbacks), so every replica sharing
 * the store reports the same values: aggregate them across replicas with max, not sum.
 */
export function registerStoreMetrics(registry: Registry, source: StoreMetricsSource, log: Logger): void {
  const snapshot = sharedSnapshot(source);
  const registers = [registry];
  const onScrape = async (fill: (snapshot: StoreSnapshot) => void): Promise<void> => {
    const read = await snapshot();
    if (read.snapshot) fill(read.snapshot);
  };

  new Gauge({
    name: 'firedrill_store_up',
    help: 'Whether the store answered the queries of this scrape (1) or not (0: the store metrics are left out)',
    registers,
    async collect() {
      const read = await snapshot();
      if (read.error) log.warn({ err: read.error }, 'metrics: the store did not answer');
      this.set(read.snapshot ? 1 : 0);
    },
  });
  new Gauge({
    name: 'firedrill_store_scrape_duration_seconds',
    help: 'How long the store queries of this scrape took',
    registers,
    async collect() {
      this.set((await snapshot()).tookMs / 1_000);
    },
  });

  new Counter({
    name: 'firedrill_runs_total',
    help: 'Finished runs in the store, by environment, drill and outcome (passed, failed, aborted, refused, not-detected)',
    labelNames: ['environment', 'drill', 'outcome'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ tallies }) => {
        for (const tally of tallies) this.inc({ environment: tally.environment, drill: tally.drill, outcome: tally.result }, tally.runs);
      });
    },
  });
  new Counter({
    name: 'firedrill_objectives_total',
    help: 'Objectives judged on finished runs, by environment, drill, objective (ttd, rto, rpo) and whether it was met',
    labelNames: ['environment', 'drill', 'objective', 'met'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ tallies }) => {
        for (const tally of tallies) {
          for (const objective of OBJECTIVES) {
            const { met, missed } = tally.objectives[objective];
            const labels = { environment: tally.environment, drill: tally.drill, objective };
            if (met) this.inc({ ...labels, met: 'true' }, met);
            if (missed) this.inc({ ...labels, met: 'false' }, missed);
          }
        }
      });
    },
  });

  new Gauge({
    name: 'firedrill_active_runs',
    help: 'Runs going on now, by environment',
    labelNames: ['environment'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ active }) => {
        for (const [environment, count] of active) this.set({ environment }, count);
      });
    },
  });

  new Gauge({
    name: 'firedrill_last_run_timestamp_seconds',
    help: 'When the newest finished run of a drill in an environment finished (Unix time)',
    labelNames: ['environment', 'drill'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ standings }) => {
        for (const { environment, drill, last } of standings) {
          if (last?.finishedAt) this.set({ environment, drill }, Date.parse(last.finishedAt) / 1_000);
        }
      });
    },
  });
  new Gauge({
    name: 'firedrill_last_run_outcome',
    help: 'The outcome of the newest finished run of a drill in an environment: 1 for its outcome, 0 for the others',
    labelNames: ['environment', 'drill', 'outcome'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ standings }) => {
        for (const { environment, drill, last } of standings) {
          if (!last?.result) continue;
          for (const outcome of OUTCOMES) this.set({ environment, drill, outcome }, last.result === outcome ? 1 : 0);
        }
      });
    },
  });
  new Gauge({
    name: 'firedrill_last_measured_seconds',
    help: "What the newest finished run of a drill measured, by measure (ttd, rto, rpo); absent when that run did not measure it",
    labelNames: ['environment', 'drill', 'measure'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ standings }) => {
        for (const { environment, drill, last } of standings) {
          if (!last) continue;
          const measured = { ttd: last.ttdMs, rto: last.rtoMs, rpo: last.rpoMs };
          for (const measure of OBJECTIVES) {
            const ms = measured[measure];
            if (ms !== null) this.set({ environment, drill, measure }, ms / 1_000);
          }
        }
      });
    },
  });
  new Gauge({
    name: 'firedrill_objective_seconds',
    help: 'The objective the newest finished run of a drill was judged against, by objective (ttd, rto, rpo)',
    labelNames: ['environment', 'drill', 'objective'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ standings }) => {
        for (const { environment, drill, last } of standings) {
          if (!last) continue;
          const objectives = { ttd: last.objectives.ttdMs, rto: last.objectives.rtoMs, rpo: last.objectives.rpoMs };
          for (const objective of OBJECTIVES) {
            const ms = objectives[objective];
            if (ms !== null) this.set({ environment, drill, objective }, ms / 1_000);
          }
        }
      });
    },
  });

  new Gauge({
    name: 'firedrill_resilience_score',
    help: 'The resilience score of an environment, 0 to 100 (see /score); absent when no drill applies there',
    labelNames: ['environment'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ scores }) => {
        for (const { environment, score } of scores) if (score !== null) this.set({ environment }, score);
      });
    },
  });
  new Gauge({
    name: 'firedrill_drills_overdue',
    help: 'Drills of an environment not run within their expected interval (every:)',
    labelNames: ['environment'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ scores }) => {
        for (const { environment, overdue } of scores) this.set({ environment }, overdue);
      });
    },
  });

  new Gauge({
    name: 'firedrill_schedule_next_start_timestamp_seconds',
    help: 'When a schedule starts its next drill (Unix time, jitter applied); absent until the leader has planned it',
    labelNames: ['schedule', 'environment'],
    registers,
    async collect() {
      this.reset();
      await onScrape(({ nextStarts }) => {
        for (const { schedule, environment, startAt } of nextStarts) this.set({ schedule, environment }, startAt.getTime() / 1_000);
      });
    },
  });
}
