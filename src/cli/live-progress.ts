import type { RunEvent } from '../engine/events.js';
import { describeEvent } from '../scoring/describe-event.js';
import { hideProbeProcesses } from '../scoring/routine-processes.js';

/** Prints each journal event as it happens, with its wall-clock time. */
export function liveProgress(write: (text: string) => void): (event: RunEvent) => void {
  const shown = hideProbeProcesses();
  return (event) => {
    if (event.type === 'scored' || !shown(event)) return;
    write(`${event.at.slice(11, 23)}  ${describeEvent(event)}\n`);
  };
}
