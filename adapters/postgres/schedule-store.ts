import type pg from 'pg';
import type { Incident, Occurrence, OccurrenceStatus, ScheduleStore } from '../../src/schedule/ports.js';

interface OccurrenceRow {
  schedule: string;
  cron_at: Date;
  start_at: Date;
  seed: string;
  status: OccurrenceStatus;
  postponed_count: number;
  detail: string | null;
}

const COLUMNS = 'schedule, cron_at, start_at, seed, status, postponed_count, detail';

const toOccurrence = (row: OccurrenceRow): Occurrence => ({
  schedule: row.schedule,
  cronAt: row.cron_at,
  startAt: row.start_at,
  seed: row.seed,
  status: row.status,
  postponedCount: row.postponed_count,
  detail: row.detail,
});

/** Uses the run store's database (its migrations create these tables). */
export function postgresScheduleStore(pool: pg.Pool): ScheduleStore {
  return {
    async pending(schedule) {
      const result = await pool.query<OccurrenceRow>(
        `select ${COLUMNS} from firedrill_schedule_occurrences
         where schedule = $1 and status in ('planned', 'announced') order by cron_at limit 1`,
        [schedule],
      );
      return result.rows[0] && toOccurrence(result.rows[0]);
    },
    async plan(occurrence) {
      await pool.query(
        `insert into firedrill_schedule_occurrences (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (schedule, cron_at) do nothing`,
        [occurrence.schedule, occurrence.cronAt, occurrence.startAt, occurrence.seed, occurrence.status, occurrence.postponedCount, occurrence.detail],
      );
      const stored = await pool.query<OccurrenceRow>(
        `select ${COLUMNS} from firedrill_schedule_occurrences where schedule = $1 and cron_at = $2`,
        [occurrence.schedule, occurrence.cronAt],
      );
      return toOccurrence(stored.rows[0]!);
    },
    async update(occurrence) {
      await pool.query(
        `update firedrill_schedule_occurrences
         set start_at = $3, status = $4, postponed_count = $5, detail = $6, updated_at = now()
         where schedule = $1 and cron_at = $2`,
        [occurrence.schedule, occurrence.cronAt, occurrence.startAt, occurrence.status, occurrence.postponedCount, occurrence.detail],
      );
    },
    async recent(schedule, limit) {
      const result = await pool.query<OccurrenceRow>(
        `select ${COLUMNS} from firedrill_schedule_occurrences where schedule = $1 order by cron_at desc limit $2`,
        [schedule, limit],
      );
      return result.rows.map(toOccurrence);
    },
    async openIncident(openedBy, reason) {
      await pool.query(
        `insert into firedrill_incidents (opened_by, reason) values ($1, $2)
         on conflict ((true)) where closed_at is null do nothing`,
        [openedBy, reason],
      );
    },
    async closeIncident() {
      const result = await pool.query<{ opened_at: Date; opened_by: string; reason: string }>(
        'update firedrill_incidents set closed_at = now() where closed_at is null returning opened_at, opened_by, reason',
      );
      const row = result.rows[0];
      return row && { openedAt: row.opened_at, openedBy: row.opened_by, reason: row.reason };
    },
    async openIncidentNow(): Promise<Incident | undefined> {
      const result = await pool.query<{ opened_at: Date; opened_by: string; reason: string }>(
        'select opened_at, opened_by, reason from firedrill_incidents where closed_at is null',
      );
      const row = result.rows[0];
      return row && { openedAt: row.opened_at, openedBy: row.opened_by, reason: row.reason };
    },
  };
}
