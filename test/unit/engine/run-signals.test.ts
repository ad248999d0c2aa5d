import { describe, expect, it } from 'vitest';
import type { EventBody, RunEvent } from '../../../src/engine/events.js';
import { RunSignals } from '../../../src/engine/run-signals.js';

let seq = 0;
const event = (body: EventBody): RunEvent => ({ ...body, at: '2027-03-03T10:00:00Z', mono: 0, clock: 'test', seq: ++seq }) as RunEvent;
const root = { realm: 'os', id: 'root' };

describe('approval heard from the journal', () => {
  it('compares identities, not labels: the requester under another --as name is not a second person', async () => {
    const signals = new RunSignals();
    signals.handle(event({ type: 'approved', by: 'root (as bob)', identity: root }));
    const wait = new AbortController();
    const approver = signals.approvedBy({ label: 'root (as alice)', identity: root }, wait.signal);
    signals.handle(event({ type: 'approved', by: 'root', identity: root }));
    signals.handle(event({ type: 'approved', by: 'carol', identity: { realm: 'os', id: 'carol' } }));
    expect(await approver).toBe('carol');
  });

  it('does not take a chat user for an OS user of the same name', async () => {
    const signals = new RunSignals();
    signals.handle(event({ type: 'approved', by: 'root', identity: { realm: 'slack', id: 'root' } }));
    expect(await signals.approvedBy({ label: 'root', identity: root }, new AbortController().signal)).toBe('root');
  });

  it('compares labels for journals written before identities were kept', async () => {
    const signals = new RunSignals();
    signals.handle(event({ type: 'approved', by: 'alice' }));
    const timeout = AbortSignal.timeout(50);
    expect(await signals.approvedBy({ label: 'alice' }, timeout)).toBeUndefined();
    signals.handle(event({ type: 'approved', by: 'dave' }));
    expect(await signals.approvedBy({ label: 'alice' }, new AbortController().signal)).toBe('dave');
  });
});

describe('a guard going red', () => {
  it('is heard as an abort that names the guard, and a later person asking to abort does not replace it', async () => {
    const signals = new RunSignals();
    const stopping = signals.aborted(new AbortController().signal);
    signals.handle(event({ type: 'guard-tripped', guard: 'error budget', detail: 'burn rate 14.4' }));
    signals.handle(event({ type: 'abort-requested', by: 'bob', reason: 'too slow' }));
    expect(await stopping).toEqual({ by: 'guard error budget', reason: 'burn rate 14.4', guard: 'error budget' });
    expect(signals.abortRequested?.guard).toBe('error budget');
  });
});
