import { describe, expect, it } from 'vitest';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { iso, journal, type JournalBuilder } from './journal-builder.js';

/** TTD and RTO only: RPO has its own tests. */
const OBJECTIVES = { ttdMs: 30_000, rtoMs: 120_000 };
const score = (built: JournalBuilder) => scoreRun('run-1', built.events);

/** Injected at 0, detected at 12s, service back at 40s; verified unless the test has more checks to add first. */
function goodRun(objectives: { ttdMs?: number; rtoMs?: number; rpoMs?: number } = OBJECTIVES, verified = true): JournalBuilder {
  const built = journal().created(objectives).injected().detected(12_000).recovered(40_000);
  return verified ? built.add({ type: 'verified', ok: true }, 43_000) : built;
}

describe('scoreRun: timing', () => {
  it('measures TTD and RTO on the monotonic clock when one process saw both instants', () => {
    // The wall clock was stepped forward by a minute (NTP) after injection: durations must not move.
    const built = journal()
      .created(OBJECTIVES)
      .injected()
      .detected({ ms: 12_000, wallMs: 72_000 })
      .recovered({ ms: 40_000, wallMs: 100_000 })
      .add({ type: 'verified', ok: true }, 43_000);
    const card = score(built);
    expect(card.ttdMs).toBe(12_000);
    expect(card.rtoMs).toBe(40_000);
    expect(card.timeline.detectedAt).toBe(iso(72_000));
    expect(card.timeline.recoveredAt).toBe(iso(100_000));
  });

  it('falls back to wall-clock time when the detection was journaled by another process', () => {
    const built = journal()
      .created(OBJECTIVES)
      .injected()
      .detected({ ms: 999_999, wallMs: 15_000, clock: 'webhook-process' })
      .recovered({ ms: 50_000, wallMs: 50_000 })
      .add({ type: 'verified', ok: true }, 53_000);
    const card = score(built);
    expect(card.ttdMs).toBe(15_000);
    expect(card.rtoMs).toBe(50_000);
    expect(card.detectedBy).toEqual({ source: 'alertmanager', name: 'OrdersTableMissing', detail: 'severity=page' });
  });

  it('dates recovery from the start of the stable streak, not from when it was journaled', () => {
    // The streak started at 40s; `recovered` is journaled 2s later, after an alert resolved at 41s.
    const built = journal()
      .created(OBJECTIVES)
      .injected()
      .detected(12_000)
      .add({ type: 'alert-resolved', by: { source: 'alertmanager', name: 'OrdersTableMissing' } }, 41_000)
      .recovered(40_000, 2_000)
      .add({ type: 'verified', ok: true }, 43_000);
    const card = score(built);
    expect(card.rtoMs).toBe(40_000);
    expect(card.timeline.recoveredAt).toBe(iso(40_000));
    expect(card.events.map((event) => event.text).slice(-3)).toEqual([
      'service back (steady state held 2s)',
      'alert resolved: OrdersTableMissing',
      'verified',
    ]);
  });
});

describe('scoreRun: which detection counts', () => {
  it('counts the first detection after injection', () => {
    const built = journal().created(OBJECTIVES).injected().detected(9_000, 'First').detected(11_000, 'Second').recovered(40_000);
    built.add({ type: 'verified', ok: true }, 43_000);
    expect(score(built).detectedBy?.name).toBe('First');
    expect(score(built).ttdMs).toBe(9_000);
  });

  it('counts a detection that arrived while the fault was being injected as immediate (TTD 0)', () => {
    const built = journal()
      .created(OBJECTIVES)
      .add({ type: 'injecting', actions: ['hide public.orders'] }, -300)
      .detected(-40, 'Fast', { beforeMs: 50, afterMs: 0 })
      .injected()
      .recovered(40_000);
    const card = score(built.add({ type: 'verified', ok: true }, 43_000));
    expect(card.detectedBy?.name).toBe('Fast');
    expect(card.ttdMs).toBe(0);
    expect(card.bounds.ttdMs).toEqual({ low: 0, high: 0 });
    expect(card.met.ttd).toBe(true);
  });

  it('counts a detection that came while the first green check was still waiting for its answer', () => {
    // The check began at 5s and answered at 5.3s: service came back somewhere in between, maybe after the alert at 5.1s
    // (a runbook that the alert set off, and a probe process that started before it and ran after it).
    const built = journal()
      .created(OBJECTIVES)
      .injected()
      .detected(5_100, 'ShopDown')
      .recovered(5_000, 2_000, true, { beforeMs: 50, afterMs: 300 })
      .add({ type: 'verified', ok: true }, 7_400);
    const card = score(built);
    expect(card.detectedBy?.name).toBe('ShopDown');
    expect(card.ttdMs).toBe(5_100);
    expect(card.bounds.rtoMs).toEqual({ low: 4_950, high: 5_300 });
    expect(card.met).toEqual({ ttd: true, rto: true, rpo: null });
    expect(card.outcome).toBe('pass');
  });

  it.each([
    ['before the injection began', journal().created(OBJECTIVES).detected(-1_000).add({ type: 'injecting', actions: [] }, -500).injected().recovered(40_000)],
    ['before injection', journal().created(OBJECTIVES).detected(-1_000).injected().recovered(40_000)],
    ['after recovery was journaled', journal().created(OBJECTIVES).injected().recovered(40_000).detected(45_000)],
    // Journaled before `recovered` (which waits out stableFor) but after service was back.
    ['while service was already back', journal().created(OBJECTIVES).injected().detected(41_000).recovered(40_000, 2_000)],
    ['once the first green check had its answer', journal().created(OBJECTIVES).injected().detected(40_400).recovered(40_000, 2_000, true, { beforeMs: 50, afterMs: 300 })],
  ])('does not count a detection %s', (_, built) => {
    const card = score(built.add({ type: 'verified', ok: true }, 43_000));
    expect(card.ttdMs).toBeNull();
    expect(card.detectedBy).toBeNull();
    expect(card.timeline.detectedAt).toBeNull();
    expect(card.met.ttd).toBe(false);
    expect(card.notes.some((note) => note.startsWith('not detected'))).toBe(true);
    expect(card.outcome).toBe('fail');
    expect(card.reason).toBe('missed: TTD');
  });

  it('leaves met.ttd null when the drill has no TTD objective, but still notes the miss', () => {
    const card = score(journal().created({ rtoMs: 120_000 }).injected().recovered(40_000).add({ type: 'verified', ok: true }, 43_000));
    expect(card.met).toEqual({ ttd: null, rto: true, rpo: null });
    expect(card.notes.some((note) => note.startsWith('not detected'))).toBe(true);
    expect(card.outcome).toBe('pass');
  });

  it('notes when the steady-state probes never saw the outage', () => {
    const card = score(journal().created(OBJECTIVES).injected().detected(5_000).recovered(0, 2_000, false));
    expect(card.notes).toContain('the steady-state probes never failed after injection: they may not see this fault');
  });
});

describe('scoreRun: RPO', () => {
  const withRpo = (newestBefore: string | null, newestAfter: string | null, rpoMs = 15_000) =>
    score(
      goodRun({ ttdMs: 30_000, rtoMs: 120_000, rpoMs }, false)
        .add({ type: 'rpo-measured', newestBefore, newestAfter }, 42_000)
        .add({ type: 'verified', ok: true }, 43_000),
    );

  it('is the newest data before injection minus the newest data that survived', () => {
    const card = withRpo(iso(-800), iso(-8_300));
    expect(card.rpoMs).toBe(7_500);
    expect(card.rpo).toEqual({ newestBefore: iso(-800), newestAfter: iso(-8_300), source: null });
    expect(card.met.rpo).toBe(true);
    expect(card.outcome).toBe('pass');
  });

  it('misses the objective when more data was lost than allowed', () => {
    const card = withRpo(iso(-800), iso(-8_300), 5_000);
    expect(card.met.rpo).toBe(false);
    expect(card.outcome).toBe('fail');
    expect(card.reason).toBe('missed: RPO');
  });

  it('is not measured when no data from before injection survived, and says so', () => {
    const card = withRpo(iso(-800), null);
    expect(card.rpoMs).toBeNull();
    expect(card.met.rpo).toBe(false);
    expect(card.notes).toContain('no data written before injection survived the recovery');
  });

  it('notes an RPO objective that the drill has no marker to measure', () => {
    const card = score(goodRun({ rpoMs: 15_000 }));
    expect(card.rpoMs).toBeNull();
    expect(card.notes).toContain('RPO objective set but the drill has no RPO marker');
  });
});

describe('scoreRun: outcome', () => {
  it('is refused with the reason, and measures nothing', () => {
    const built = journal()
      .created(OBJECTIVES)
      .add({ type: 'preflight-check', check: 'steady state', ok: false, detail: 'orders readable: relation does not exist' }, -4_000)
      .add({ type: 'refused', reason: 'steady state is not green: orders readable' }, -3_900);
    const card = score(built);
    expect(card.outcome).toBe('refused');
    expect(card.reason).toBe('steady state is not green: orders readable');
    expect([card.ttdMs, card.rtoMs, card.rpoMs]).toEqual([null, null, null]);
    expect(card.met).toEqual({ ttd: null, rto: null, rpo: null }); // nothing was injected, so nothing was missed
    expect(card.events.every((event) => event.offsetMs === null)).toBe(true);
  });

  it.each([
    ['a timeout', { type: 'timed-out', maxDurationMs: 180_000 } as const, /^timed out/],
    ['an abort from chat', { type: 'abort-requested', by: 'bob', reason: 'real incident' } as const, /^aborted by bob: real incident$/],
    ['an error', { type: 'failed', error: 'the run failed: connection refused' } as const, /^the run failed: connection refused$/],
    ['a guard going red', { type: 'guard-tripped', guard: 'production site', detail: 'HTTP 503' } as const, /^stopped by guard production site: HTTP 503$/],
  ])('is aborted after %s', (_, ending, reason) => {
    const built = journal().created(OBJECTIVES).injected().detected(5_000).add(ending, 60_000);
    built.add({ type: 'rollback-started', reason: 'maxDuration reached' }, 60_100).add({ type: 'rolled-back' }, 61_000);
    const card = score(built);
    expect(card.outcome).toBe('aborted');
    expect(card.reason).toMatch(reason);
  });

  it('is aborted when the run was rolled back after a crash before service was back', () => {
    const reason = 'firedrill stopped in the middle of this run; rolled back on restart';
    const card = score(journal().created(OBJECTIVES).injected().detected(5_000).add({ type: 'rollback-started', reason }, 90_000));
    expect(card.outcome).toBe('aborted');
    expect(card.reason).toBe(reason);
  });

  it('is aborted when the run stopped between recovery and verification', () => {
    const reason = 'firedrill stopped in the middle of this run; rolled back on restart';
    const built = journal().created(OBJECTIVES).injected().detected(5_000).recovered(40_000);
    const card = score(built.add({ type: 'rollback-started', reason }, 90_000));
    expect(card.outcome).toBe('aborted');
    expect(card.reason).toBe(reason);
  });

  it('fails when an objective is missed and names it', () => {
    const built = journal().created(OBJECTIVES).injected().detected(12_000).recovered(130_000);
    const card = score(built.add({ type: 'verified', ok: true }, 133_000));
    expect(card.met).toEqual({ ttd: true, rto: false, rpo: null });
    expect(card.outcome).toBe('fail');
    expect(card.reason).toBe('missed: RTO');
  });

  it('fails when verification failed, even with every objective met', () => {
    const built = journal().created({ rtoMs: 120_000 }).injected().detected(12_000).recovered(40_000);
    built.add({ type: 'verify-check', check: 'orders restored', ok: false, detail: 'count was 0' }, 42_000);
    const card = score(built.add({ type: 'verified', ok: false }, 43_000));
    expect(card.outcome).toBe('fail');
    expect(card.reason).toBe('verification failed');
    expect(card.verification).toEqual([{ check: 'orders restored', ok: false, detail: 'count was 0' }]);
  });

  it('passes when everything is met and verified', () => {
    const card = score(goodRun());
    expect(card.outcome).toBe('pass');
    expect(card.reason).toBeNull();
    expect(card.met).toEqual({ ttd: true, rto: true, rpo: null });
  });

  it('judges nothing when the drill sets no objectives', () => {
    const card = score(journal().created({}).injected().recovered(40_000).add({ type: 'verified', ok: true }, 43_000));
    expect(card.met).toEqual({ ttd: null, rto: null, rpo: null });
    expect(card.outcome).toBe('pass');
  });
});

describe('scoreRun: timeline', () => {
  it('is in time order, with offsets from injection, and leaves out the scored event', () => {
    const built = journal()
      .created(OBJECTIVES, -5_000)
      .add({ type: 'undo-recorded', undo: { action: 'restore-table', description: 'restore public.orders', params: {} } }, -300)
      .injected(0)
      .add({ type: 'recovery-started', runbook: 'restore public.orders from s3://backups' }, 12_100)
      .detected({ ms: 0, wallMs: 12_000, clock: 'webhook-process' })
      .recovered(40_000, 2_000)
      .add({ type: 'verified', ok: true }, 42_500)
      .add({ type: 'scored', outcome: 'pass' }, 42_600);
    const card = score(built);
    expect(card.events.map((event) => event.offsetMs)).toEqual([-5_000, -300, 0, 12_000, 12_100, 40_000, 42_500]);
    expect(card.events.map((event) => event.at)).toEqual([-5_000, -300, 0, 12_000, 12_100, 40_000, 42_500].map(iso));
    expect(card.events[3]?.text).toBe('detected by alertmanager: OrdersTableMissing (severity=page)');
    expect(card.events.some((event) => event.text.startsWith('scored'))).toBe(false);
  });

  it('refuses to score a journal without run-created', () => {
    expect(() => scoreRun('run-x', journal().injected().events)).toThrow(/run-x has no run-created event/);
  });
});
