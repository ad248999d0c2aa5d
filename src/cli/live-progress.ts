import type { RunEvent } from '../engine/events.js';
import { describeEvent } from '../scoring/describe-event.js';

/** Prints each journal event as it happens, with its wall-clock time. */
export function liveProgress(write: (text: string) => void): (event: RunEvent) => void {
  return (event) => {
    if (event.type === 'scored') return;
    write(`${event.at.slice(11, 23)}  ${describeEvent(event)}\n`);
  };
}
