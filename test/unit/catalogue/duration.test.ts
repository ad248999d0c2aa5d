import { describe, expect, it } from 'vitest';
import { Duration, formatDuration, parseDuration } from '../../../src/catalogue/duration.js';

describe('durations', () => {
  it('parses a number with a unit, and combinations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration(' 2m ')).toBe(120_000);
  });

  it('rejects text that is not a duration', () => {
    for (const text of ['', '10', 'soon', '3 minutes', '1x', 'm5', '-1s']) expect(parseDuration(text)).toBeUndefined();
  });

  it('formats the shortest readable form', () => {
    expect(formatDuration(800)).toBe('800ms');
    expect(formatDuration(2_500)).toBe('2.5s');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });

  it('the schema turns text into milliseconds and refuses zero', () => {
    expect(Duration.parse('2m')).toBe(120_000);
    expect(Duration.safeParse('0s').error?.issues[0]?.message).toBe('"0s" must be longer than zero');
    expect(Duration.safeParse('abc').error?.issues[0]?.message).toBe('"abc" is not a duration: write a number with a unit, e.g. 90s, 15m or 1h30m');
  });
});
