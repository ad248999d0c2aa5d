import * as z from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Milliseconds in a duration such as `90s`, `15m`, `1h30m`, `250ms`; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const compact = text.trim();
  if (!WHOLE.test(compact)) return undefined;
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return total;
}

/** `3d4h`, `1h30m`, `2.5s`, `800ms`: the shortest readable form of a duration, for scorecards. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1).replace(/\.0$/, '')}s`;
  const totalSeconds = Math.round(ms / 1_000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  // Past a day, seconds are noise: "3d4h", not "3d4h12m9s".
  const seconds = days ? 0 : totalSeconds % 60;
  return [days && `${days}d`, hours && `${hours}h`, minutes && `${minutes}m`, seconds && `${seconds}s`].filter(Boolean).join('');
}

/** A positive duration written as text; parses to milliseconds. */
export const Duration = z
  .string()
  .describe('A duration: a number with a unit (ms, s, m, h, d), e.g. 90s, 15m, 1h30m')
  .transform((text, context) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: `"${text}" is not a duration: write a number with a unit, e.g. 90s, 15m or 1h30m` });
      return z.NEVER;
    }
    if (ms <= 0) {
      context.addIssue({ code: 'custom', message: `"${text}" must be longer than zero` });
      return z.NEVER;
    }
    return ms;
  });
