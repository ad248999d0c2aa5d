import type { Journal } from './journal.js';
import type { ProcessJournal } from './ports.js';

/** The run's journal as the record of the commands its runtime and undo actions start. */
export function processJournal(journal: Journal): ProcessJournal {
  return {
    started: async (process) => void (await journal.append({ type: 'process-started', ...process })),
    ended: async (pid, status) => void (await journal.append({ type: 'process-ended', pid, status })),
  };
}
