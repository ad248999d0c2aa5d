import { drillsAllowedIn } from '../catalogue/effective.js';
import type { Catalogue } from '../catalogue/load.js';
import type { Clock } from '../engine/clock.js';
import type { Logger } from '../log.js';
import { createMetrics, type FiredrillMetrics } from '../server/metrics/firedrill-metrics.js';
import { observingFinishes } from '../server/metrics/observed-store.js';
import type { OpenedStore } from './index.js';
import { storeMetricsSource } from './metrics-source.js';

/**
 * The metrics of `firedrill serve`: read from the store at each scrape, plus what this
 * process observes (the runs it finishes, chat commands, webhooks). The opened store is
 * changed in place so that every run this process finishes is observed, whoever started it.
 * `metrics` may be made before the store is open (createMetrics).
 */
export function serveMetrics(context: { clock: Clock; log: Logger }, catalogue: Catalogue, opened: OpenedStore, metrics: FiredrillMetrics = createMetrics()): FiredrillMetrics {
  opened.store = observingFinishes(opened.store, (scorecard) => metrics.runFinished(scorecard));
  metrics.readStore(storeMetricsSource(catalogue, opened, context.clock), context.log);
  metrics.expectRuns(Object.keys(catalogue.config.environments).flatMap((environment) => drillsAllowedIn(catalogue, environment).map((drill) => ({ environment, drill: drill.id }))));
  return metrics;
}
