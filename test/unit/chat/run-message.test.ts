import { describe, expect, it } from 'vitest';
import type { EventBody, RunEvent } from '../../../src/engine/events.js';
import { liveRunMessage } from '../../../src/chat/run-message.js';

const journal = (bodies: EventBody[]): RunEvent[] =>
  bodies.map((body, index) => ({ ...body, seq: index + 1, at: new Date(Date.UTC(2026, 10, 30, 9, 0, index)).toISOString(), mono: index * 1000, clock: 'c' }));

const created: EventBody = {
  type: 'run-created',
  drill: { id: 'drop-orders', title: 'orders dropped', kind: 'drop-table', severity: 'high', objectives: { ttdMs: null, rtoMs: 60_000, rpoMs: null }, recovery: 'manual' },
  environment: 'staging',
  requestedBy: 'alice',
};

describe('the live message of a run whose undo could not complete', () => {
  it('says it needs attention and why, and offers no buttons', () => {
    const message = liveRunMessage('0123456789', journal([
      created,
      { type: 'undo-recorded', undo: { action: 'restore-table', description: 'put public.orders back', params: {} } },
      { type: 'injected' },
      { type: 'abort-requested', by: 'bob', reason: 'asked in chat' },
      { type: 'rollback-started', reason: 'abort requested by bob' },
      { type: 'undo-attempt-failed', description: 'put public.orders back', attempt: 1, error: 'connection refused', retryInMs: 1000 },
      { type: 'undo-failed', description: 'put public.orders back', error: 'connection refused' },
      { type: 'needs-attention', reason: '1 undo action(s) could not complete: put public.orders back: connection refused' },
    ]));
    expect(message.status).toBe('NEEDS ATTENTION, the fault may still be in effect: 1 undo action(s) could not complete: put public.orders back: connection refused');
    expect(message.tone).toBe('bad');
    expect(message.actions).toEqual([]);
    expect(message.lines.at(-1)).toMatch(/NEEDS ATTENTION: 1 undo action\(s\) could not complete/);
    expect(message.lines).toContainEqual(expect.stringMatching(/undo try 1 failed: put public.orders back: connection refused; trying again in 1s$/));
  });

  it('no longer says so once a later undo completed', () => {
    const message = liveRunMessage('0123456789', journal([
      created,
      { type: 'needs-attention', reason: 'undo failed' },
      { type: 'rollback-started', reason: 'retried by firedrill recover' },
      { type: 'undo-done', description: 'put public.orders back', detail: 'done' },
      { type: 'rolled-back' },
    ]));
    expect(message.status).not.toMatch(/NEEDS ATTENTION/);
  });
});
