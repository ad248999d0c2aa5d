import type pg from 'pg';
import { inTransaction } from './transaction.js';

/** Append-only: a released migration is never edited, a new one is added. */
const MIGRATIONS: string[] = [
  `
  create table firedrill_runs (
    id uuid primary key,
    drill text not null,
    environment text not null,
    created_at timestamptz not null default now(),
    finished_at timestamptz,
    outcome text check (outcome in ('pass', 'fail', 'aborted', 'refused')),
    scorecard jsonb
  );
  -- At most one active run per environment, whichever process or host asks.
  create unique index firedrill_runs_one_active_per_environment
    on firedrill_runs (environment) where finished_at is null;
  create index firedrill_runs_created_at on firedrill_runs (created_at desc);

  create table firedrill_run_events (
    seq bigserial primary key,
    run_id uuid not null references firedrill_runs (id),
    type text not null,
    at timestamptz not null,
    mono double precision not null,
    clock text not null,
    body jsonb not null,
    recorded_at timestamptz not null default clock_timestamp()
  );
  create index firedrill_run_events_run on firedrill_run_events (run_id, seq);
  `,
  `
  create table firedrill_schedule_occurrences (
    schedule text not null,
    cron_at timestamptz not null,
    start_at timestamptz not null,
    seed text not null,
    status text not null check (status in ('planned', 'announced', 'started', 'skipped', 'missed')),
    postponed_count int not null default 0,
    detail text,
    updated_at timestamptz not null default now(),
    primary key (schedule, cron_at)
  );
  create table firedrill_incidents (
    id bigserial primary key,
    opened_at timestamptz not null default now(),
    opened_by text not null,
    reason text not null,
    closed_at timestamptz
  );
  -- At most one open incident: opening twice is one incident.
  create unique index firedrill_incidents_one_open on firedrill_incidents ((true)) where closed_at is null;
  `,
  `
  -- Replicas that all hear one chat event (a Matrix sync): the first to insert its id answers it.
  create table firedrill_chat_deliveries (
    platform text not null,
    delivery_id text not null,
    claimed_at timestamptz not null default now(),
    primary key (platform, delivery_id)
  );
  `,
  `
  -- The run history pages, exports, digest and metrics read (src/history/ports.ts): the scorecard's
  -- figures as columns, so lists filter and aggregate on indexes rather than parsing every scorecard.
  -- Generated and stored: existing rows are filled now, and finish() needs no change to keep them.
  -- result follows src/history/run-result.ts (a test holds both equal).
  alter table firedrill_runs
    add column title text generated always as (scorecard->'drill'->>'title') stored,
    add column kind text generated always as (scorecard->'drill'->>'kind') stored,
    add column severity text generated always as (scorecard->'drill'->>'severity') stored,
    add column requested_by text generated always as (scorecard->>'requestedBy') stored,
    add column result text generated always as (
      case
        when outcome is null then null
        when outcome = 'refused' then 'refused'
        when scorecard->'timeline'->>'injectedAt' is not null and scorecard->'timeline'->>'detectedAt' is null then 'not-detected'
        when outcome = 'aborted' then 'aborted'
        when outcome = 'pass' then 'passed'
        else 'failed'
      end) stored,
    add column ttd_ms double precision generated always as ((scorecard->>'ttdMs')::double precision) stored,
    add column rto_ms double precision generated always as ((scorecard->>'rtoMs')::double precision) stored,
    add column rpo_ms double precision generated always as ((scorecard->>'rpoMs')::double precision) stored,
    add column ttd_low_ms double precision generated always as ((scorecard->'bounds'->'ttdMs'->>'low')::double precision) stored,
    add column ttd_high_ms double precision generated always as ((scorecard->'bounds'->'ttdMs'->>'high')::double precision) stored,
    add column rto_low_ms double precision generated always as ((scorecard->'bounds'->'rtoMs'->>'low')::double precision) stored,
    add column rto_high_ms double precision generated always as ((scorecard->'bounds'->'rtoMs'->>'high')::double precision) stored,
    add column rpo_low_ms double precision generated always as ((scorecard->'bounds'->'rpoMs'->>'low')::double precision) stored,
    add column rpo_high_ms double precision generated always as ((scorecard->'bounds'->'rpoMs'->>'high')::double precision) stored,
    add column objective_ttd_ms double precision generated always as ((scorecard->'objectives'->>'ttdMs')::double precision) stored,
    add column objective_rto_ms double precision generated always as ((scorecard->'objectives'->>'rtoMs')::double precision) stored,
    add column objective_rpo_ms double precision generated always as ((scorecard->'objectives'->>'rpoMs')::double precision) stored,
    add column met_ttd boolean generated always as ((scorecard->'met'->>'ttd')::boolean) stored,
    add column met_rto boolean generated always as ((scorecard->'met'->>'rto')::boolean) stored,
    add column met_rpo boolean generated always as ((scorecard->'met'->>'rpo')::boolean) stored;

  -- Newest first, with id to break ties: every list and export pages along one of these.
  create index firedrill_runs_newest on firedrill_runs (created_at desc, id desc);
  create index firedrill_runs_environment_newest on firedrill_runs (environment, created_at desc, id desc);
  create index firedrill_runs_drill_newest on firedrill_runs (drill, created_at desc, id desc);
  create index firedrill_runs_kind_newest on firedrill_runs (kind, created_at desc, id desc);
  create index firedrill_runs_result_newest on firedrill_runs (result, created_at desc, id desc);
  -- Standings and trends: the finished runs of one drill in one environment, newest first.
  create index firedrill_runs_finished_by_drill on firedrill_runs (environment, drill, created_at desc) include (result)
    where result is not null;
  -- The run each drill is judged by as it stood at an instant (the score's trend): newest finished, refused runs skipped.
  create index firedrill_runs_counted_by_drill on firedrill_runs (environment, drill, finished_at desc)
    where result is not null and result <> 'refused';
  -- The run-id prefix lookup is a range on the primary key (run-store.ts), which needs no index of its own.

  -- Finished runs tallied by environment, drill and week (Monday, UTC), kept by a trigger: the
  -- standings and the heatmap read a few thousand tallies instead of counting every run.
  create table firedrill_run_tallies (
    environment text not null,
    drill text not null,
    week_start date not null,
    passed int not null default 0,
    failed int not null default 0,
    aborted int not null default 0,
    refused int not null default 0,
    not_detected int not null default 0,
    last_passed_at timestamptz,
    primary key (environment, drill, week_start)
  );
  insert into firedrill_run_tallies
  select environment, drill, date_trunc('week', created_at at time zone 'UTC')::date,
         count(*) filter (where result = 'passed'), count(*) filter (where result = 'failed'),
         count(*) filter (where result = 'aborted'), count(*) filter (where result = 'refused'),
         count(*) filter (where result = 'not-detected'), max(created_at) filter (where result = 'passed')
    from firedrill_runs where result is not null group by 1, 2, 3;

  create function firedrill_tally_run() returns trigger language plpgsql as $tally$
  declare
    week date;
  begin
    if tg_op in ('UPDATE', 'DELETE') and old.result is not null then
      week := date_trunc('week', old.created_at at time zone 'UTC')::date;
      update firedrill_run_tallies set
          passed = passed - (old.result = 'passed')::int, failed = failed - (old.result = 'failed')::int,
          aborted = aborted - (old.result = 'aborted')::int, refused = refused - (old.result = 'refused')::int,
          not_detected = not_detected - (old.result = 'not-detected')::int,
          -- After the change: the row as it is now is what the table holds.
          last_passed_at = case when old.result = 'passed' then (
            select max(r.created_at) from firedrill_runs r
             where r.environment = old.environment and r.drill = old.drill and r.result = 'passed'
               and r.created_at >= week::timestamp at time zone 'UTC' and r.created_at < (week + 7)::timestamp at time zone 'UTC'
          ) else last_passed_at end
        where environment = old.environment and drill = old.drill and week_start = week;
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.result is not null then
      insert into firedrill_run_tallies as t (environment, drill, week_start, passed, failed, aborted, refused, not_detected, last_passed_at)
      values (new.environment, new.drill, date_trunc('week', new.created_at at time zone 'UTC')::date,
              (new.result = 'passed')::int, (new.result = 'failed')::int, (new.result = 'aborted')::int,
              (new.result = 'refused')::int, (new.result = 'not-detected')::int,
              case when new.result = 'passed' then new.created_at end)
      on conflict (environment, drill, week_start) do update set
        passed = t.passed + excluded.passed, failed = t.failed + excluded.failed, aborted = t.aborted + excluded.aborted,
        refused = t.refused + excluded.refused, not_detected = t.not_detected + excluded.not_detected,
        last_passed_at = greatest(t.last_passed_at, excluded.last_passed_at);
    end if;
    return null;
  end
  $tally$;
  create trigger firedrill_runs_tally after insert or delete or update of outcome, scorecard, environment, drill, created_at
    on firedrill_runs for each row execute function firedrill_tally_run();
  `,
  `
  -- Action items live in the journal (action-added, action-done): their ids are unique in the
  -- store, so that \`done <id>\` needs no run, and both lookups use these instead of a scan.
  create unique index firedrill_run_events_action_added on firedrill_run_events ((body->>'id')) where type = 'action-added';
  create index firedrill_run_events_action_done on firedrill_run_events ((body->>'id'), seq) where type = 'action-done';
  -- Whether a run was scored (it then takes follow-ups only), without reading its whole journal.
  create index firedrill_run_events_scored on firedrill_run_events (run_id) where type = 'scored';
  `,
];

const MIGRATION_LOCK = 7_413_001;

/** Applies the migrations not applied yet, up to `upTo` (all of them; tests stop earlier to check a later one's backfill). */
export async function migrate(pool: pg.Pool, upTo = MIGRATIONS.length): Promise<void> {
  const client = await pool.connect();
  try {
    // Two processes starting at once must not both apply the same migration.
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'create table if not exists firedrill_migrations (version int primary key, applied_at timestamptz not null default now())',
    );
    const applied = await client.query<{ version: number }>('select version from firedrill_migrations');
    const done = new Set(applied.rows.map((row) => row.version));
    for (const [index, sql] of MIGRATIONS.entries()) {
      const version = index + 1;
      if (done.has(version) || version > upTo) continue;
      await inTransaction(client, async () => {
        await client.query(sql);
        await client.query('insert into firedrill_migrations (version) values ($1)', [version]);
      });
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
