/** Checks faster than this load the target more than they narrow the bounds. */
export const MIN_RECOVERY_INTERVAL_MS = 100;
/** The default for cheap probes (sql, http): five queries a second, RTO bounds about 200ms wide. */
export const CHEAP_PROBE_RECOVERY_INTERVAL_MS = 200;

/** What of a drill's steadyState (drill-schema.ts) sets how often its probes run. */
interface ProbeTimings {
  probes: readonly { type: string }[];
  interval: number;
  recoveryInterval?: number | undefined;
}

/**
 * How often the probes run while recovery is awaited: the drill's `recoveryInterval`, else fast
 * for cheap probes (a query or a request) and `interval` for the rest (a command may be costly,
 * and a Kubernetes probe is woken by its watch), never slower than `interval`.
 */
export function recoveryIntervalOf(steadyState: ProbeTimings): number {
  if (steadyState.recoveryInterval !== undefined) return steadyState.recoveryInterval;
  const cheap = steadyState.probes.every((probe) => probe.type === 'sql' || probe.type === 'http');
  return cheap ? Math.min(CHEAP_PROBE_RECOVERY_INTERVAL_MS, steadyState.interval) : steadyState.interval;
}
