import { describe, expect, it } from 'vitest';
import { renderScorecard } from '../../../src/scoring/render-scorecard.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { iso, journal, type JournalBuilder } from './journal-builder.js';

const score = (built: JournalBuilder) => scoreRun('run-1', built.events);
const WEBHOOK = { beforeMs: 20, afterMs: 0 };

/** Detected at 12s by a webhook; service back at `rtoMs`, its last red check `beforeMs` earlier, its first green answer `afterMs` later. */
function bracketedRun(rtoObjectiveMs: number, rtoMs: number, beforeMs: number, afterMs: number): JournalBuilder {
  return journal()
    .created({ ttdMs: 30_000, rtoMs: rtoObjectiveMs })
    .injected()
    .detected(12_000, 'ShopDown', WEBHOOK)
    .recovered(rtoMs, 2_000, true, { beforeMs, afterMs })
    .add({ type: 'verified', ok: true }, rtoMs + 3_000);
}

describe('scorecard bounds', () => {
  it('puts the value between its bounds: a push is bracketed by its transport allowance, a probe by its checks', () => {
    const card = score(bracketedRun(120_000, 40_000, 250, 5.5));
    expect(card.ttdMs).toBe(12_000);
    expect(card.bounds.ttdMs).toEqual({ low: 11_980, high: 12_000 });
    expect(card.rtoMs).toBe(40_000);
    expect(card.bounds.rtoMs).toEqual({ low: 39_750, high: 40_006 });
  });

  it('adds a millisecond each side when another process stamped the instant (its wall clock has millisecond resolution)', () => {
    const card = score(journal().created({ ttdMs: 30_000 }).injected().detected({ ms: 0, wallMs: 12_000, clock: 'cli-process' }, 'bob', WEBHOOK));
    expect(card.ttdMs).toBe(12_000);
    expect(card.bounds.ttdMs).toEqual({ low: 11_979, high: 12_001 });
  });

  it('never puts a bound before the injection', () => {
    const card = score(journal().created({ ttdMs: 30_000 }).injected().detected(5, 'ShopDown', WEBHOOK));
    expect(card.bounds.ttdMs).toEqual({ low: 0, high: 5 });
  });

  it('has no bounds for a journal written before they were kept, and grades its values as they are', () => {
    const card = score(journal().created({ ttdMs: 30_000, rtoMs: 120_000 }).injected().detected(12_000).recovered(40_000).add({ type: 'verified', ok: true }, 43_000));
    expect(card.bounds).toEqual({ ttdMs: null, rtoMs: null, rpoMs: null });
    expect(card.met).toEqual({ ttd: true, rto: true, rpo: null });
    expect(card.outcome).toBe('pass');
  });

  it('grades on the late side: a value under its objective whose bounds reach past it is missed, and says why', () => {
    // Measured 59.9s against 1m, but the first green check answered 200ms later: recovery may have taken 1m0.1s.
    const card = score(bracketedRun(60_000, 59_900, 200, 200));
    expect(card.rtoMs).toBeLessThan(60_000);
    expect(card.met.rto).toBe(false);
    expect(card.outcome).toBe('fail');
    expect(card.reason).toBe('missed: RTO');
    expect(card.notes).toContain(
      'RTO lies between 59.7s and 1m, around its objective 1m: it may have been met, graded as missed on the late side; checking more often while recovery is awaited (steadyState.recoveryInterval) narrows its bounds',
    );
  });

  it('meets an objective when all of the range meets it, and has no note then', () => {
    const card = score(bracketedRun(60_000, 59_700, 200, 300));
    expect(card.bounds.rtoMs).toEqual({ low: 59_500, high: 60_000 });
    expect(card.met.rto).toBe(true);
    expect(card.notes.filter((note) => note.includes('objective'))).toEqual([]);
  });

  it('misses without a straddle note when even the early side is past the objective', () => {
    const card = score(bracketedRun(60_000, 61_000, 200, 5));
    expect(card.met.rto).toBe(false);
    expect(card.notes.filter((note) => note.includes('around its objective'))).toEqual([]);
  });

  it("brackets a canary's RPO by its interval and says which marker it read", () => {
    const card = score(
      bracketedRun(120_000, 40_000, 250, 5)
        .add({ type: 'rpo-measured', newestBefore: iso(-800), newestAfter: iso(-8_300), marker: 'newest row of the canary "public"."firedrill_canary", written every 1000 ms', resolutionMs: 1_000 }, 42_000),
    );
    expect(card.rpoMs).toBe(7_500);
    expect(card.bounds.rpoMs).toEqual({ low: 6_500, high: 7_500 });
    expect(card.rpo?.source).toBe('newest row of the canary "public"."firedrill_canary", written every 1000 ms');
    expect(renderScorecard(card, 'text')).toContain(
      `data: newest row of the canary "public"."firedrill_canary", written every 1000 ms: newest before injection ${iso(-800)}, newest surviving ${iso(-8_300)}`,
    );
  });

  it('shows every measure with its bounds in text, Markdown and JSON', () => {
    const card = score(bracketedRun(120_000, 40_000, 250, 5.5));
    expect(renderScorecard(card, 'text')).toMatch(/RTO \(time to recover\)\s+40s \(39\.7s–40\.1s\)\s+2m\s+met/);
    expect(renderScorecard(card, 'markdown')).toContain('| TTD (time to detect) | 12s (11.9s–12s) | 30s | met |');
    expect(JSON.parse(renderScorecard(card, 'json'))).toMatchObject({ bounds: { ttdMs: { low: 11_980, high: 12_000 }, rtoMs: { low: 39_750, high: 40_006 } } });
  });

  it('does not count a signal stamped before the injection, though journaled after it', () => {
    // `firedrill detected` started before the injection completed: its process-start stamp precedes t0.
    const card = score(journal().created({ ttdMs: 30_000 }).injected().detected({ ms: 0, wallMs: -40, clock: 'cli-process' }, 'bob', WEBHOOK));
    expect(card.ttdMs).toBeNull();
  });
});
