import { describe, expect, it } from 'vitest';
import { liveRunMessage } from '../../../src/chat/run-message.js';
import { countedDetection } from '../../../src/engine/detection.js';
import type { RunEvent } from '../../../src/engine/events.js';
import { RunSignals } from '../../../src/engine/run-signals.js';
import { runStatus } from '../../../src/scoring/run-status.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { JournalBuilder } from '../scoring/journal-builder.js';

/** What each reader of the journal takes for the run's detection: they must all agree. */
async function readers(events: readonly RunEvent[]) {
  const signals = new RunSignals();
  for (const event of events) signals.handle(event);
  const heard = await signals.detected(AbortSignal.timeout(20));
  const actions = liveRunMessage('run-1', events).actions.map((action) => action.kind);
  return {
    rule: countedDetection(events)?.by.name ?? null,
    run: heard?.name ?? null,
    scorecard: scoreRun('run-1', events).detectedBy?.name ?? null,
    status: /^detected at/.test(runStatus(events).status),
    detectedButton: actions.includes('detected'),
  };
}

const journal = () => new JournalBuilder().created({ ttdMs: 60_000 }).add({ type: 'injecting', actions: ['DROP TABLE orders'] }, -200);

describe('which report is the detection: one rule for the running drill, the scorecard and the live message', () => {
  it('counts a report that arrived while the fault was being injected', async () => {
    const events = journal().detected(-100, 'FastMonitor').injected(0).events;
    expect(await readers(events)).toEqual({ rule: 'FastMonitor', run: 'FastMonitor', scorecard: 'FastMonitor', status: true, detectedButton: false });
  });

  it('does not count a report stamped before the injection began, though journaled after it', async () => {
    const events = journal().detected(-300, 'StaleAlert').injected(0).events;
    expect(await readers(events)).toEqual({ rule: null, run: null, scorecard: null, status: false, detectedButton: true });
  });

  it('counts the first report after the injection, not an earlier stale one', async () => {
    const events = journal().detected(-300, 'StaleAlert').injected(0).detected(4_000, 'OrdersTableMissing').events;
    expect(await readers(events)).toEqual({ rule: 'OrdersTableMissing', run: 'OrdersTableMissing', scorecard: 'OrdersTableMissing', status: true, detectedButton: false });
  });
});
