import type pg from 'pg';
import type { Outcome } from '../../src/engine/events.js';
import type { DrillStanding, RunFilter, RunHistory, RunPage, RunRecord, RunResult, RunTrends, WeekCell } from '../../src/history/ports.js';
import { RESULTS_BEST_TO_WORST } from '../../src/history/run-result.js';
import type { Range } from '../../src/scoring/scorecard-schema.js';

/** The columns of a RunRecord (migration 4 keeps the scorecard's figures as columns). */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
/** Times as ISO text from the server: an export of thousands of runs spends no time making Dates. */
const RECORD_COLUMNS = `r.id, r.drill, r.environment, r.title, r.kind, r.severity, r.requested_by, r.outcome, r.result,
  to_char(r.created_at at time zone 'UTC', ${ISO}) as created_at, to_char(r.finished_at at time zone 'UTC', ${ISO}) as finished_at, r.ttd_ms, r.rto_ms, r.rpo_ms, r.ttd_low_ms, r.ttd_high_ms, r.rto_low_ms, r.rto_high_ms,
  r.rpo_low_ms, r.rpo_high_ms, r.objective_ttd_ms, r.objective_rto_ms, r.objective_rpo_ms, r.met_ttd, r.met_rto, r.met_rpo`;

interface RecordRow {
  id: string;
  drill: string;
  environment: string;
  title: string | null;
  kind: string | null;
  severity: string | null;
  requested_by: string | null;
  outcome: Outcome | null;
  result: RunResult | null;
  created_at: string;
  finished_at: string | null;
  ttd_ms: number | null;
  rto_ms: number | null;
  rpo_ms: number | null;
  ttd_low_ms: number | null;
  ttd_high_ms: number | null;
  rto_low_ms: number | null;
  rto_high_ms: number | null;
  rpo_low_ms: number | null;
  rpo_high_ms: number | null;
  objective_ttd_ms: number | null;
  objective_rto_ms: number | null;
  objective_rpo_ms: number | null;
  met_ttd: boolean | null;
  met_rto: boolean | null;
  met_rpo: boolean | null;
}

const range = (low: number | null, high: number | null): Range | null => (low === null || high === null ? null : { low, high });

function toRecord(row: RecordRow): RunRecord {
  return {
    id: row.id,
    drill: row.drill,
    environment: row.environment,
    title: row.title,
    kind: row.kind,
    severity: row.severity,
    requestedBy: row.requested_by,
    outcome: row.outcome,
    result: row.result,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    ttdMs: row.ttd_ms,
    rtoMs: row.rto_ms,
    rpoMs: row.rpo_ms,
    bounds: {
      ttdMs: range(row.ttd_low_ms, row.ttd_high_ms),
      rtoMs: range(row.rto_low_ms, row.rto_high_ms),
      rpoMs: range(row.rpo_low_ms, row.rpo_high_ms),
    },
    objectives: { ttdMs: row.objective_ttd_ms, rtoMs: row.objective_rto_ms, rpoMs: row.objective_rpo_ms },
    met: { ttd: row.met_ttd, rto: row.met_rto, rpo: row.met_rpo },
  };
}

/** A where clause with only the conditions the filter sets, so each query uses the index that fits. */
function whereOf(filter: RunFilter, values: unknown[]): string {
  const conditions: string[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    conditions.push(sql.replace('?', `$${values.length}`));
  };
  if (filter.environment !== undefined) add('r.environment = ?', filter.environment);
  if (filter.drill !== undefined) add('r.drill = ?', filter.drill);
  if (filter.kind !== undefined) add('r.kind = ?', filter.kind);
  if (filter.result !== undefined) add('r.result = ?', filter.result);
  if (filter.from !== undefined) add('r.created_at >= ?', filter.from);
  if (filter.to !== undefined) add('r.created_at < ?', filter.to);
  return conditions.length ? `where ${conditions.join(' and ')}` : '';
}

/** How many runs an export reads at a time: large enough to be quick, small enough to hold little. */
const EXPORT_BATCH = 2_000;

/** Monday 00:00 UTC: a span from and to such instants covers whole weeks. */
const isWeekStart = (instant: Date) => instant.getTime() % 86_400_000 === 0 && instant.getUTCDay() === 1;

/** A week cell's worst result, ranked in SQL as run-result.ts ranks it. */
const RESULT_RANK = `case r.result ${RESULTS_BEST_TO_WORST.map((result, rank) => `when '${result}' then ${rank}`).join(' ')} end`;

export function postgresRunHistory(pool: pg.Pool): RunHistory & RunTrends {
  const query = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => pool.query<R>(text, values);

  return {
    async runs(filter, { page, pageSize }): Promise<RunPage> {
      const values: unknown[] = [];
      const where = whereOf(filter, values);
      const limit = values.push(pageSize);
      const offset = values.push((page - 1) * pageSize);
      // The page's ids first, from the index alone, then their rows: a deep page skips index entries, not rows.
      const [rows, count] = await Promise.all([
        query<RecordRow>(
          `with chosen as (select r.id, r.created_at from firedrill_runs r ${where}
             order by r.created_at desc, r.id desc limit $${limit} offset $${offset})
           select ${RECORD_COLUMNS} from chosen join firedrill_runs r using (id)
            order by r.created_at desc, r.id desc`,
          values,
        ),
        query<{ total: string }>(`select count(*) as total from firedrill_runs r ${whereOf(filter, [])}`, values.slice(0, values.length - 2)),
      ]);
      return { runs: rows.rows.map(toRecord), total: Number(count.rows[0]!.total), page, pageSize };
    },

    async *exportRuns(filter) {
      // Keyset pagination: each batch starts below the last one's (created_at, id), wherever it is.
      // The cursor is the time as the server wrote it (microseconds), not as a Date (milliseconds).
      let after: { createdAt: string; id: string } | undefined;
      for (;;) {
        const values: unknown[] = [];
        const where = whereOf(filter, values);
        let keyset = '';
        if (after) {
          values.push(after.createdAt, after.id);
          keyset = `${where ? 'and' : 'where'} (r.created_at, r.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`;
        }
        values.push(EXPORT_BATCH);
        const batch = await query<RecordRow & { cursor_at: string }>(
          `select ${RECORD_COLUMNS}, r.created_at::text as cursor_at from firedrill_runs r ${where} ${keyset} order by r.created_at desc, r.id desc limit $${values.length}`,
          values,
        );
        for (const row of batch.rows) yield toRecord(row);
        const last = batch.rows.at(-1);
        if (!last || batch.rows.length < EXPORT_BATCH) return;
        after = { createdAt: last.cursor_at, id: last.id };
      }
    },

    async standings({ environment, asOf }): Promise<DrillStanding[]> {
      const values: unknown[] = [];
      const conditions = ['result is not null'];
      if (environment !== undefined) conditions.push(`environment = $${values.push(environment)}`);
      if (asOf !== undefined) conditions.push(`finished_at < $${values.push(asOf)}`);
      const where = (table: string) => conditions.map((condition) => `${table}${condition}`).join(' and ');
      // Now: from the tallies the trigger keeps (migration 4). As of an instant: counted from the runs.
      const pairs =
        asOf === undefined
          ? `select environment, drill, sum(passed + failed + aborted + refused + not_detected) as finished_runs,
                    sum(passed) as passed_runs, max(last_passed_at) as last_passed_at
               from firedrill_run_tallies ${environment === undefined ? '' : 'where environment = $1'}
              group by environment, drill
             having sum(passed + failed + aborted + refused + not_detected) > 0`
          : `select environment, drill, count(*) as finished_runs,
                    count(*) filter (where result = 'passed') as passed_runs,
                    max(created_at) filter (where result = 'passed') as last_passed_at
               from firedrill_runs where ${where('')} group by environment, drill`;
      const result = await query<RecordRow & { finished_runs: string; passed_runs: string; last_passed_at: Date | null }>(
        `with pairs as (${pairs})
         select p.finished_runs, p.passed_runs, p.last_passed_at, ${RECORD_COLUMNS}
           from pairs p
           cross join lateral (
             select * from firedrill_runs l
              where l.environment = p.environment and l.drill = p.drill and ${where('l.')}
              order by l.created_at desc limit 1
           ) r
          order by p.environment, p.drill`,
        values,
      );
      return result.rows.map((row) => ({
        environment: row.environment,
        drill: row.drill,
        last: toRecord(row),
        finishedRuns: Number(row.finished_runs),
        passedRuns: Number(row.passed_runs),
        lastPassedAt: row.last_passed_at?.toISOString() ?? null,
      }));
    },

    async weeks({ environment, from, to }): Promise<WeekCell[]> {
      const values: unknown[] = [from, to];
      if (environment !== undefined) values.push(environment);
      const byEnvironment = environment === undefined ? '' : 'and environment = $3';
      // Whole weeks are in the tallies; a span that cuts a week is counted from the runs.
      const sql =
        isWeekStart(from) && isWeekStart(to)
          ? `select environment, drill, to_char(week_start, 'YYYY-MM-DD') as week_start, passed + failed + aborted + refused + not_detected as runs,
                    case when not_detected > 0 then 'not-detected' when failed > 0 then 'failed' when aborted > 0 then 'aborted'
                         when refused > 0 then 'refused' else 'passed' end as result
               from firedrill_run_tallies
              where week_start >= ($1::timestamptz at time zone 'UTC')::date and week_start < ($2::timestamptz at time zone 'UTC')::date ${byEnvironment}
                and passed + failed + aborted + refused + not_detected > 0
              order by 1, 2, 3`
          : `select r.environment, r.drill,
                    to_char(date_trunc('week', r.created_at at time zone 'UTC'), 'YYYY-MM-DD') as week_start,
                    (array[${RESULTS_BEST_TO_WORST.map((result) => `'${result}'`).join(', ')}])[max(${RESULT_RANK}) + 1] as result, count(*) as runs
               from firedrill_runs r
              where r.result is not null and r.created_at >= $1 and r.created_at < $2 ${byEnvironment.replace('environment', 'r.environment')}
              group by 1, 2, 3
              order by 1, 2, 3`;
      const result = await query<{ environment: string; drill: string; week_start: string; result: RunResult; runs: string }>(sql, values);
      return result.rows.map((row) => ({ environment: row.environment, drill: row.drill, weekStart: row.week_start, result: row.result, runs: Number(row.runs) }));
    },

    async trend(environment, drill, limit): Promise<RunRecord[]> {
      const result = await query<RecordRow>(
        `select ${RECORD_COLUMNS} from firedrill_runs r
          where r.environment = $1 and r.drill = $2 and r.result is not null
          order by r.created_at desc limit $3`,
        [environment, drill, limit],
      );
      return result.rows.map(toRecord).reverse();
    },

    async trends(pairs, limit): Promise<RunRecord[][]> {
      if (!pairs.length) return [];
      const result = await query<RecordRow & { pair: number }>(
        `select p.pair, ${RECORD_COLUMNS}
           from unnest($1::text[], $2::text[]) with ordinality as p(environment, drill, pair)
           cross join lateral (
             select * from firedrill_runs l
              where l.environment = p.environment and l.drill = p.drill and l.result is not null
              order by l.created_at desc limit $3
           ) r
          order by p.pair, r.created_at`,
        [pairs.map((pair) => pair.environment), pairs.map((pair) => pair.drill), limit],
      );
      const trends: RunRecord[][] = pairs.map(() => []);
      for (const row of result.rows) trends[Number(row.pair) - 1]!.push(toRecord(row));
      return trends;
    },

    async countedRunsBefore(environment, instants): Promise<RunRecord[][]> {
      if (!instants.length) return [];
      // The drills first, by skipping through the index from one drill to the next (not reading every run).
      const result = await query<RecordRow & { instant: number }>(
        `with recursive drills(drill) as (
           (select drill from firedrill_runs where environment = $1 and result is not null order by drill limit 1)
           union all
           select (select drill from firedrill_runs where environment = $1 and result is not null and drill > d.drill order by drill limit 1)
             from drills d where d.drill is not null
         )
         select i.instant, ${RECORD_COLUMNS}
           from unnest($2::timestamptz[]) with ordinality as i(at, instant)
           cross join drills d
           cross join lateral (
             select * from firedrill_runs l
              where l.environment = $1 and l.drill = d.drill and l.result is not null and l.result <> 'refused'
                and l.finished_at < i.at
              order by l.finished_at desc limit 1
           ) r
          where d.drill is not null
          order by i.instant, r.drill`,
        [environment, instants],
      );
      const runs: RunRecord[][] = instants.map(() => []);
      for (const row of result.rows) runs[Number(row.instant) - 1]!.push(toRecord(row));
      return runs;
    },
  };
}
