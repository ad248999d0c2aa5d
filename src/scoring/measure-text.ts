import { formatDuration } from '../catalogue/duration.js';
import type { Range, Scorecard } from './scorecard-schema.js';

/** `12.4s (12.1s–12.4s)`: the value and where the truth lies, each bound rounded outwards. */
export function withBounds(value: number, bounds: Range | null): string {
  if (!bounds) return formatDuration(value);
  if (bounds.low === bounds.high) return `${formatDuration(value)} (exact)`;
  return `${formatDuration(value)} (${formatDuration(roundBound(bounds.low, Math.floor))}–${formatDuration(roundBound(bounds.high, Math.ceil))})`;
}

/** formatDuration shows tenths of a second below a minute and whole seconds above: round to those, outwards. */
function roundBound(ms: number, round: (x: number) => number): number {
  if (ms < 1_000) return ms;
  if (ms < 60_000) return round(ms / 100) * 100;
  return round(ms / 1_000) * 1_000;
}

type Measured = Pick<Scorecard, 'ttdMs' | 'rtoMs' | 'rpoMs' | 'bounds'>;

/**
 * `TTD 1.2s (1.1s–1.3s)  RTO 4.2s (4s–4.2s)  RPO -`: the three measures with their bounds on
 * one line, as lists of runs (`firedrill scorecards`, chat `history`) show them.
 */
export function measuresLine(scorecard: Measured, separator = '  '): string {
  return (['ttd', 'rto', 'rpo'] as const)
    .map((key) => {
      const value = scorecard[`${key}Ms`];
      return `${key.toUpperCase()} ${value === null ? '-' : withBounds(value, scorecard.bounds[`${key}Ms`])}`;
    })
    .join(separator);
}
