import type { RunEvent } from '../engine/events.js';

/**
 * Probe commands run at every interval: their process events are in the journal for crash
 * recovery, not for people reading a timeline. Returns a filter that hides them; feed it events
 * in journal order (a `process-ended` names only the pid, so it remembers which pids are probes).
 */
export function hideProbeProcesses(): (event: RunEvent) => boolean {
  const probes = new Set<number>();
  return (event) => {
    if (event.type === 'process-started' && event.role === 'probe') {
      probes.add(event.pid);
      return false;
    }
    if (event.type === 'process-ended' && probes.delete(event.pid)) return false;
    return true;
  };
}
