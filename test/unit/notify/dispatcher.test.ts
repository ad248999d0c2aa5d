import { describe, expect, it } from 'vitest';
import type { EventBody, RunEvent } from '../../../src/engine/events.js';
import { MAX_QUEUED_NOTICES, NotificationDispatcher, type DeliveryFailure } from '../../../src/notify/dispatcher.js';
import type { RunNotice } from '../../../src/notify/notices.js';
import { PermanentDeliveryFailure, type Notifier } from '../../../src/notify/ports.js';
import { drillSnapshot } from '../scoring/journal-builder.js';

let seq = 0;
const event = (body: EventBody): RunEvent => ({ ...body, at: new Date(Date.UTC(2027, 2, 3, 10, 0, seq)).toISOString(), mono: seq, clock: 'test', seq: ++seq }) as RunEvent;
const created = (environment = 'staging') => event({ type: 'run-created', drill: drillSnapshot({ rtoMs: 60_000 }), environment, requestedBy: 'alice' });
const QUICK = { attempts: 3, firstDelayMs: 1, maxDelayMs: 1 };

/** Records what it was told; fails the first `failures` tries of each notice. */
function recorder(failures = 0, error: () => Error = () => new Error('HTTP 503')): Notifier & { told: RunNotice[]; tries: number } {
  const tries = new Map<string, number>();
  const notifier = {
    name: 'recorder',
    told: [] as RunNotice[],
    tries: 0,
    async deliver(notice: RunNotice) {
      notifier.tries += 1;
      const key = `${notice.runId}:${notice.kind}`;
      const tried = (tries.get(key) ?? 0) + 1;
      tries.set(key, tried);
      if (tried <= failures) throw error();
      notifier.told.push(notice);
    },
  };
  return notifier;
}

describe('the notification dispatcher', () => {
  it('tells each kind once per run, in order, detection only after injection, and finished with the outcome', async () => {
    const notifier = recorder();
    const dispatcher = new NotificationDispatcher([{ notifier }], () => undefined, QUICK);
    for (const body of [
      { type: 'detected', by: { source: 'cli', name: 'early' } },
      { type: 'injected' },
      { type: 'detected', by: { source: 'cli', name: 'bob' } },
      { type: 'detected', by: { source: 'alertmanager', name: 'ShopDown' } },
      { type: 'abort-requested', by: 'bob', reason: 'real incident' },
      { type: 'timed-out', maxDurationMs: 1000 },
      { type: 'scored', outcome: 'aborted' },
    ] as EventBody[]) {
      if (body.type === 'detected' && body.by.name === 'early') dispatcher.runEvent(created(), 'run-1');
      dispatcher.runEvent(event(body), 'run-1');
    }
    await dispatcher.settle(5_000);
    expect(notifier.told.map((notice) => `${notice.kind}: ${notice.text}`)).toEqual([
      'started: alice started drill drop-orders-table in staging',
      'injected: fault in effect',
      'detected: detected by cli: bob',
      'aborted: abort requested by bob: real incident',
      // The scorecard's reason: a timeout comes before an abort there.
      'finished: drill finished: aborted: timed out: service not back within maxDuration',
    ]);
    expect(notifier.told.at(-1)).toMatchObject({ outcome: 'aborted', reason: 'timed out: service not back within maxDuration' });
  });

  it('tries a failing delivery again with backoff, gives up after the policy and reports it; a permanent failure is tried once', async () => {
    const flaky = recorder(2);
    const broken = Object.assign(recorder(99, () => new PermanentDeliveryFailure('HTTP 401')), { name: 'broken' });
    const failures: DeliveryFailure[] = [];
    const dispatcher = new NotificationDispatcher([{ notifier: flaky }, { notifier: broken }], (failure) => failures.push(failure), QUICK);
    dispatcher.runEvent(created(), 'run-2');
    await dispatcher.settle(5_000);
    expect(flaky.told.map((notice) => notice.kind)).toEqual(['started']);
    expect(flaky.tries).toBe(3);
    expect(broken.tries).toBe(1);
    expect(failures).toEqual([{ channel: 'broken', notice: 'started', runId: 'run-2', attempts: 1, error: 'HTTP 401' }]);
  });

  it('filters by environment and event, and bounds what waits for a channel that does not keep up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Notifier & { told: string[] } = { name: 'slow', told: [], deliver: async (notice) => void (await gate, slow.told.push(notice.runId)) };
    const picky = recorder();
    const failures: DeliveryFailure[] = [];
    const dispatcher = new NotificationDispatcher([{ notifier: slow }, { notifier: picky, environments: ['qa'], events: ['finished'] }], (failure) => failures.push(failure), QUICK);
    const runs = MAX_QUEUED_NOTICES + 3;
    for (let index = 0; index < runs; index += 1) dispatcher.runEvent(created(index === 0 ? 'qa' : 'staging'), `run-${index}`);
    dispatcher.runEvent(event({ type: 'scored', outcome: 'refused' }), 'run-0');
    release();
    await dispatcher.settle(5_000);
    // One in flight, MAX_QUEUED_NOTICES waiting; the rest (two starts and run-0's finish) are reported, not kept.
    expect(slow.told).toHaveLength(MAX_QUEUED_NOTICES + 1);
    expect(failures.map((failure) => failure.channel)).toEqual(['slow', 'slow', 'slow']);
    expect(picky.told.map((notice) => `${notice.runId} ${notice.kind}`)).toEqual(['run-0 finished']);
  });
});
