import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChatMetrics } from '../../chat/chat-metrics.js';
import type { Logger } from '../../log.js';
import { scorecardSchema } from '../../scoring/scorecard-schema.js';
import { MEASURE_BUCKETS } from './metric-names.js';
import { registerStoreMetrics } from './store-metrics.js';
import type { StoreMetricsSource } from './store-snapshot.js';

/** The registry behind /metrics and what the rest of `serve` reports into it. */
export interface FiredrillMetrics {
  registry: Registry;
  /** Webhook requests, by hook and result (accepted, unauthorized, malformed, disabled, error). */
  webhooks: Counter<'hook' | 'result'>;
  chat: ChatMetrics;
  /** Observes what a run measured, once, in the process that finished it. */
  runFinished(scorecard: unknown): void;
  /**
   * Starts the histograms of these drills at zero, so that the first run a process finishes is
   * an increase Prometheus sees (a series born at 1 has no increase to show).
   */
  expectRuns(pairs: readonly { environment: string; drill: string }[]): void;
  /** Adds the metrics read from the store at each scrape. */
  readStore(source: StoreMetricsSource, log: Logger): void;
}

export function createMetrics(): FiredrillMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'firedrill_' });
  const registers = [registry];
  const webhooks = new Counter({ name: 'firedrill_webhooks_total', help: 'Webhook requests, by hook and result', labelNames: ['hook', 'result'] as const, registers });
  const chatCommands = new Counter({
    name: 'firedrill_chat_commands_total',
    help: 'Chat commands, by platform, command and result (answered, refused, unparsed, failed)',
    labelNames: ['platform', 'command', 'result'] as const,
    registers,
  });
  const chatReplyFailures = new Counter({
    name: 'firedrill_chat_reply_failures_total',
    help: 'Answers that could not be posted to the chat platform',
    labelNames: ['platform'] as const,
    registers,
  });
  const measured = (measure: string) =>
    new Histogram({
      name: `firedrill_${measure}_seconds`,
      help: `${measure.toUpperCase()} measured by runs this process finished, by environment and drill (sum across replicas)`,
      labelNames: ['environment', 'drill'] as const,
      buckets: MEASURE_BUCKETS,
      registers,
    });
  const histograms = { ttd: measured('ttd'), rto: measured('rto'), rpo: measured('rpo') };

  return {
    registry,
    webhooks,
    chat: {
      command: (platform, command, result) => chatCommands.inc({ platform, command, result }),
      replyFailed: (platform) => chatReplyFailures.inc({ platform }),
    },
    runFinished(scorecard) {
      const parsed = scorecardSchema().safeParse(scorecard);
      if (!parsed.success) return;
      const { environment, drill, ttdMs, rtoMs, rpoMs } = parsed.data;
      const labels = { environment, drill: drill.id };
      for (const [measure, ms] of [['ttd', ttdMs], ['rto', rtoMs], ['rpo', rpoMs]] as const) {
        if (ms !== null && ms !== undefined) histograms[measure].observe(labels, ms / 1_000);
      }
    },
    expectRuns(pairs) {
      for (const { environment, drill } of pairs) for (const histogram of Object.values(histograms)) histogram.zero({ environment, drill });
    },
    readStore: (source, log) => registerStoreMetrics(registry, source, log),
  };
}
