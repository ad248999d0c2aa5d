import { elapsedMs, type Bracket, type Instant, type RunEvent } from '../engine/events.js';
import type { Range } from './scorecard-schema.js';

/**
 * Where the truth lies for a duration from `from` (t0) to an observed instant that carries its
 * bracket. Rounded outwards to whole milliseconds; when two processes stamped the two instants,
 * the duration comes from their wall clocks, which the journal keeps to the millisecond, so
 * each side gets one more millisecond. Null when the journal has no bracket (written before
 * firedrill kept them): no bounds rather than made-up ones.
 */
export function durationBounds(from: Instant, to: Instant & { bracket?: Bracket }): Range | null {
  if (!to.bracket) return null;
  const measured = elapsedMs(from, to);
  const truncation = from.clock === to.clock ? 0 : 1;
  return {
    // Nothing the run measures happens before the fault is in effect.
    low: Math.max(0, Math.floor(measured - to.bracket.beforeMs - truncation)),
    high: Math.max(0, Math.ceil(measured + to.bracket.afterMs + truncation)),
  };
}

/**
 * RPO read from a marker: data and markers newer than the newest surviving one were lost; the
 * real restore point lies between that marker and the next one written after it, so the loss
 * was at most the measured RPO and at least that less the marker's resolution (the canary's
 * interval; zero for a marker that reads the data itself).
 */
export function rpoBounds(measured: Extract<RunEvent, { type: 'rpo-measured' }> | undefined, rpoMs: number | null): Range | null {
  if (rpoMs === null || measured?.resolutionMs === undefined) return null;
  return { low: Math.max(0, rpoMs - measured.resolutionMs), high: rpoMs };
}

/**
 * Met only when the whole range meets the objective (the late side, `high`); a value without
 * bounds is graded as it is. Null when there is no objective; unmeasured is missed.
 */
export function judge(objectiveMs: number | null, measuredMs: number | null, bounds: Range | null): boolean | null {
  if (objectiveMs === null) return null;
  if (measuredMs === null) return false;
  return (bounds?.high ?? measuredMs) <= objectiveMs;
}

/** A note when the objective lies inside the bounds: the truth may be on either side of it. */
export function straddleNote(label: string, objectiveMs: number | null, bounds: Range | null, format: (ms: number) => string, hint?: string): string | undefined {
  if (objectiveMs === null || !bounds) return undefined;
  if (!(bounds.low <= objectiveMs && objectiveMs < bounds.high)) return undefined;
  const text = `${label} lies between ${format(bounds.low)} and ${format(bounds.high)}, around its objective ${format(objectiveMs)}: it may have been met, graded as missed on the late side`;
  return hint ? `${text}; ${hint}` : text;
}
