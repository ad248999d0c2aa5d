import type * as z from 'zod';
import { eventBodySchema, type RunEvent } from '../../src/engine/events.js';
import { scorecardSchema, type Scorecard } from '../../src/scoring/scorecard-schema.js';

export interface EventRow {
  seq: string;
  type: string;
  at: Date;
  mono: number;
  clock: string;
  body: unknown;
}

/**
 * A row that does not parse was damaged or written by another version: reported with the
 * run and event it belongs to, rather than passed on as if it were an event.
 */
export class DamagedJournalError extends Error {
  override readonly name = 'DamagedJournalError';
}

export function toEvent(runId: string, row: EventRow): RunEvent {
  const parsed = eventBodySchema().safeParse(row.body);
  if (!parsed.success) {
    throw new DamagedJournalError(`run ${runId}: journal event ${row.seq} (${row.type}) is damaged: ${firstIssue(parsed.error)}`);
  }
  return { ...parsed.data, seq: Number(row.seq), at: row.at.toISOString(), mono: row.mono, clock: row.clock };
}

export function toScorecard(runId: string, stored: unknown): Scorecard | null {
  if (stored === null || stored === undefined) return null;
  const parsed = scorecardSchema().safeParse(stored);
  if (!parsed.success) throw new DamagedJournalError(`run ${runId}: the stored scorecard is damaged: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : error.message;
}
