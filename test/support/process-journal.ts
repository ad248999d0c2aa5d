import type { ProcessJournal, StartedProcess } from '../../src/engine/ports.js';

export type RecordedProcessEvent = ({ type: 'started' } & StartedProcess) | { type: 'ended'; pid: number; status: string };

/** A ProcessJournal that keeps what it is told, for tests that run commands outside a run store. */
export function recordingProcessJournal(): ProcessJournal & { events: RecordedProcessEvent[] } {
  const events: RecordedProcessEvent[] = [];
  return {
    events,
    started: async (process) => void events.push({ type: 'started', ...process }),
    ended: async (pid, status) => void events.push({ type: 'ended', pid, status }),
  };
}
