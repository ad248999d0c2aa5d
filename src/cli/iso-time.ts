import { InvalidArgumentError } from 'commander';

/** An ISO 8601 date and time with its zone: a bare time or date would be read in the machine's zone, silently. */
export function parseIsoTime(text: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
  const time = Date.parse(text);
  if (!iso.test(text) || Number.isNaN(time)) {
    throw new InvalidArgumentError('give an ISO date and time with its zone, e.g. 2026-11-30T09:00:00Z or 2026-11-30T10:00+01:00');
  }
  return new Date(time);
}
