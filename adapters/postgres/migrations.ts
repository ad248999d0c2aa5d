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
];

export const MIGRATION_LOCK = 7_413_001;

export async function migrate(pool: pg.Pool): Promise<void> {
  if (await upToDate(pool)) return;
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
      if (done.has(version)) continue;
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

/**
 * Every start but the first after an upgrade finds nothing to do: one query and no lock then.
 * Anything else (no table yet, a migration missing, an error) takes the locked path above.
 */
async function upToDate(pool: pg.Pool): Promise<boolean> {
  const result = await pool
    .query<{ applied: string }>('select count(*) as applied from firedrill_migrations where version <= $1', [MIGRATIONS.length])
    .catch(() => undefined);
  return Number(result?.rows[0]?.applied) === MIGRATIONS.length;
}
