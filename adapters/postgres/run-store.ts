import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { EventBody, Instant, Outcome, RunEvent } from '../../src/engine/events.js';
import type { Scorecard } from '../../src/scoring/scorecard-schema.js';
import type { CreateRunResult, RunClaim, RunStore, RunSummary } from '../../src/engine/ports.js';
import type { ScheduleStore } from '../../src/schedule/ports.js';
import { toEvent, toScorecard, type EventRow } from './journal-rows.js';
import { migrate } from './migrations.js';
import { RunEventFeed } from './run-event-feed.js';
import { withTransaction } from './transaction.js';
import { postgresScheduleStore } from './schedule-store.js';

const NOTIFY_CHANNEL = 'firedrill_run_events';
const CLAIM_NAMESPACE = 7_413_002;

interface RunRow {
  id: string;
  drill: string;
  environment: string;
  outcome: Outcome | null;
  created_at: Date;
  finished_at: Date | null;
}


const RUN_COLUMNS = 'id, drill, environment, outcome, created_at, finished_at';

const toSummary = (row: RunRow): RunSummary => ({
  id: row.id,
  drill: row.drill,
  environment: row.environment,
  outcome: row.outcome,
  createdAt: row.created_at.toISOString(),
  finishedAt: row.finished_at?.toISOString() ?? null,
});


/** What a finished run's undo-recorded events keep of their parameters. */
export const FINISHED_UNDO_PARAMS = { dropped: 'the run finished; its undo is no longer needed' };

/** Opens the store and applies pending migrations. */
export async function openPostgresRunStore(connectionString: string): Promise<RunStore> {
  return (await openPostgresStores(connectionString)).runs;
}

/** The run store and the schedule store, on one database and one pool. */
export async function openPostgresStores(connectionString: string): Promise<{ runs: RunStore; schedules: ScheduleStore }> {
  const pool = new pg.Pool({ connectionString, max: 5 });
  pool.on('error', () => undefined);
  await migrate(pool);
  return { runs: new PostgresRunStore(pool, connectionString), schedules: postgresScheduleStore(pool) };
}

class PostgresRunStore implements RunStore {
  private readonly feed: RunEventFeed;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
  ) {
    this.feed = new RunEventFeed(
      connectionString,
      NOTIFY_CHANNEL,
      async (seq) => {
        const result = await this.pool.query<EventRow & { run_id: string }>(
          'select run_id, seq, type, at, mono, clock, body from firedrill_run_events where seq = $1',
          [seq],
        );
        return result.rows[0] && toEvent(result.rows[0].run_id, result.rows[0]);
      },
      async (runIds, afterSeq) => {
        const result = await this.pool.query<EventRow & { run_id: string }>(
          'select run_id, seq, type, at, mono, clock, body from firedrill_run_events where run_id = any($1::uuid[]) and seq > $2 order by seq',
          [runIds, afterSeq],
        );
        return result.rows.map((row) => ({ runId: row.run_id, event: toEvent(row.run_id, row) }));
      },
      async () => Number((await this.pool.query<{ newest: string }>('select coalesce(max(seq), 0) as newest from firedrill_run_events')).rows[0]!.newest),
    );
  }

  async createRun(input: { drill: string; environment: string }): Promise<CreateRunResult> {
    const runId = randomUUID();
    try {
      await this.pool.query('insert into firedrill_runs (id, drill, environment) values ($1, $2, $3)', [
        runId,
        input.drill,
        input.environment,
      ]);
      return { ok: true, runId };
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      const [active] = await this.active(input.environment);
      return { ok: false, activeRunId: active?.id ?? 'unknown' };
    }
  }

  async createFinishedRun(input: { drill: string; environment: string }): Promise<string> {
    const runId = randomUUID();
    await this.pool.query(
      'insert into firedrill_runs (id, drill, environment, finished_at) values ($1, $2, $3, now())',
      [runId, input.drill, input.environment],
    );
    return runId;
  }

  async append(runId: string, body: EventBody, when?: Instant): Promise<RunEvent> {
    const instant = when ?? { at: new Date().toISOString(), mono: performance.now(), clock: 'store' };
    const result = await this.pool.query<{ seq: string }>(
      `with inserted as (
         insert into firedrill_run_events (run_id, type, at, mono, clock, body)
         values ($1, $2, $3, $4, $5, $6) returning seq
       )
       select seq, pg_notify($7, json_build_object('run', $1::text, 'seq', seq)::text) from inserted`,
      [runId, body.type, instant.at, instant.mono, instant.clock, JSON.stringify(body), NOTIFY_CHANNEL],
    );
    return { ...body, ...instant, seq: Number(result.rows[0]!.seq) } as RunEvent;
  }

  async events(runId: string): Promise<RunEvent[]> {
    const result = await this.pool.query<EventRow>(
      'select seq, type, at, mono, clock, body from firedrill_run_events where run_id = $1 order by seq',
      [runId],
    );
    return result.rows.map((row) => toEvent(runId, row));
  }

  async finish(runId: string, outcome: Outcome, scorecard: unknown): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await client.query(
        'update firedrill_runs set finished_at = coalesce(finished_at, now()), outcome = $2, scorecard = $3 where id = $1',
        [runId, outcome, JSON.stringify(scorecard)],
      );
      // A finished run has nothing left to undo, and what an undo carried (a namespace's saved
      // Secrets, a Node object) should not outlive its need: only the description stays.
      await client.query(
        `update firedrill_run_events set body = jsonb_set(body, '{undo,params}', $2::jsonb)
          where run_id = $1 and type = 'undo-recorded' and body->'undo'->'params' <> $2::jsonb`,
        [runId, JSON.stringify(FINISHED_UNDO_PARAMS)],
      );
    });
  }

  async claim(runId: string): Promise<RunClaim | undefined> {
    // A session-level advisory lock on a dedicated connection: when the owning process
    // dies, PostgreSQL drops the connection and the lock with it, so recovery can take over.
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('error', () => undefined);
    await client.connect();
    const result = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1, hashtext($2)) as locked',
      [CLAIM_NAMESPACE, runId],
    );
    if (!result.rows[0]?.locked) {
      await client.end();
      return undefined;
    }
    return {
      release: async () => {
        await client.query('select pg_advisory_unlock($1, hashtext($2))', [CLAIM_NAMESPACE, runId]).catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  }

  async unfinished(): Promise<RunSummary[]> {
    const result = await this.pool.query<RunRow>(
      `select ${RUN_COLUMNS} from firedrill_runs where finished_at is null order by created_at`,
    );
    return result.rows.map(toSummary);
  }

  async active(environment?: string): Promise<RunSummary[]> {
    const result = await this.pool.query<RunRow>(
      `select ${RUN_COLUMNS} from firedrill_runs where finished_at is null and ($1::text is null or environment = $1)
       order by created_at`,
      [environment ?? null],
    );
    return result.rows.map(toSummary);
  }

  async get(runId: string): Promise<RunSummary | undefined> {
    const result = await this.pool.query<RunRow>(`select ${RUN_COLUMNS} from firedrill_runs where id = $1`, [runId]);
    return result.rows[0] && toSummary(result.rows[0]);
  }

  async findByPrefix(prefix: string): Promise<RunSummary[]> {
    const result = await this.pool.query<RunRow>(
      `select ${RUN_COLUMNS} from firedrill_runs where id::text like $1 || '%' order by created_at desc limit 10`,
      [prefix.toLowerCase().replace(/[%_\\]/g, '')],
    );
    return result.rows.map(toSummary);
  }

  async list(filter: { drill?: string; environment?: string; limit: number }): Promise<RunSummary[]> {
    const result = await this.pool.query<RunRow>(
      `select ${RUN_COLUMNS} from firedrill_runs
       where ($1::text is null or drill = $1) and ($2::text is null or environment = $2)
       order by created_at desc limit $3`,
      [filter.drill ?? null, filter.environment ?? null, filter.limit],
    );
    return result.rows.map(toSummary);
  }

  async scorecard(runId: string): Promise<Scorecard | null> {
    const result = await this.pool.query<{ scorecard: unknown }>('select scorecard from firedrill_runs where id = $1', [runId]);
    return toScorecard(runId, result.rows[0]?.scorecard);
  }

  watch(runId: string, listener: (event: RunEvent) => void): Promise<() => Promise<void>> {
    return this.feed.watch(runId, listener);
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.pool.end();
  }
}
