import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { FOLLOW_UP_EVENTS, type EventBody, type Instant, type Outcome, type RunEvent } from '../../src/engine/events.js';
import type { Scorecard } from '../../src/scoring/scorecard-schema.js';
import type { ActionItemFilter, CreateRunResult, RunClaim, RunStore, RunSummary } from '../../src/engine/ports.js';
import type { ActionItem } from '../../src/followups/follow-ups.js';
import { queryActionItem, queryActionItems } from './action-items.js';
import { ScoredRunError } from '../../src/engine/scored-run-error.js';
import type { ScheduleStore } from '../../src/schedule/ports.js';
import { secrets } from '../../src/secrets/redactor.js';
import { toEvent, toScorecard, type EventRow } from './journal-rows.js';
import { formatDuration } from '../../src/catalogue/duration.js';
import { migrate } from './migrations.js';
import { claimRun, claimedRuns } from './run-claim.js';
import { RunEventFeed } from './run-event-feed.js';
import { withTransaction } from './transaction.js';
import { postgresScheduleStore } from './schedule-store.js';
import { postgresDeliveryClaims } from './delivery-claims.js';
import { postgresRunHistory } from './run-history.js';
import { postgresRunTallies } from './run-tallies.js';
import type { RunHistory, RunTallies, RunTrends } from '../../src/history/ports.js';
import type { DeliveryClaims } from '../../src/chat/adapter.js';
import { DEFAULT_STORE_OUTAGE_LIMIT_MS, messageOf, rideOutOutages, type OutageRider } from './store-outage.js';

const NOTIFY_CHANNEL = 'firedrill_run_events';

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

export interface RunStoreOptions {
  /** How long each call waits out a database that cannot be reached before it fails (default 60 s). */
  outageLimitMs?: number;
  /**
   * Connections to open side by side at the start (default 1). `serve` asks for two: its first
   * queries (a health check beside the leader's first scan) would otherwise wait for a second
   * login at the moment it starts answering.
   */
  connections?: number | undefined;
  /**
   * Keeps those connections open while idle, for a long-running `serve`: a first command after a
   * quiet spell would otherwise wait for a login. Other connections close after `idleTimeoutMs`.
   */
  keepConnectionsOpen?: boolean | undefined;
  /** How long a connection not kept open may sit idle before it closes (default 10 s, pg-pool's). */
  idleTimeoutMs?: number | undefined;
}

/** Opens the store and applies pending migrations. */
export async function openPostgresRunStore(connectionString: string, options: RunStoreOptions = {}): Promise<RunStore> {
  return (await openPostgresStores(connectionString, options)).runs;
}

export interface PostgresStores {
  runs: RunStore;
  schedules: ScheduleStore;
  deliveries: DeliveryClaims;
  history: RunHistory & RunTrends;
  tallies: RunTallies;
}

/** The run store and the schedule store, on one database and one pool. */
export async function openPostgresStores(connectionString: string, options: RunStoreOptions = {}): Promise<PostgresStores> {
  return connectPostgresStores(connectionString, options).open();
}

/** Stores whose pool logs in ahead of opening them; see connectPostgresStores. */
export interface ConnectingStores {
  /** Applies pending migrations and gives the stores; the database must exist by now. */
  open(): Promise<PostgresStores>;
  /** Gives them up before opening: their pool ends. */
  abandon(): Promise<void>;
}

/**
 * Makes the stores' pool, whose first connections (`connections`, default 1) log in now, so a
 * caller can do something else meanwhile, e.g. create the database they are for: a connection
 * that fails now (the database missing yet, a server still starting) is opened on demand later,
 * as any other.
 */
export function connectPostgresStores(connectionString: string, options: RunStoreOptions = {}): ConnectingStores {
  const wanted = Math.max(1, options.connections ?? 1);
  const pool = new pg.Pool({
    connectionString,
    max: 5,
    min: options.keepConnectionsOpen ? wanted : 0,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: options.idleTimeoutMs }),
  });
  pool.on('error', () => undefined);
  // The store's password is masked wherever an error might quote it, as every secret is.
  secrets.add(connectionString);
  const redact = (text: string) => secrets.redact(text);
  const ride = rideOutOutages(options.outageLimitMs ?? DEFAULT_STORE_OUTAGE_LIMIT_MS, redact);
  // Holding them all at once: a pool hands out an idle connection again rather than open one.
  const logIn = async () => {
    const held = await Promise.allSettled(Array.from({ length: wanted }, () => pool.connect()));
    for (const client of held) if (client.status === 'fulfilled') client.value.release();
  };
  const loggingIn = logIn();
  return {
    async open() {
      try {
        // Only once they are in: a query asked for while they log in would open one more.
        await loggingIn;
        await ride(() => migrate(pool));
        // When they could not get in before (the database was being made), now.
        if (pool.totalCount < wanted) await logIn();
      } catch (error) {
        await pool.end().catch(() => undefined);
        throw error;
      }
      return { runs: new PostgresRunStore(pool, connectionString, ride, redact), schedules: postgresScheduleStore(pool), deliveries: postgresDeliveryClaims(pool), history: postgresRunHistory(pool), tallies: postgresRunTallies(pool) };
    },
    abandon: () => pool.end().catch(() => undefined),
  };
}

/**
 * Every call rides out a short outage of the database (see store-outage.ts), so a drill going
 * on keeps its journal, and so its undo, through a restart. Writes are safe to repeat.
 */
class PostgresRunStore implements RunStore {
  private readonly feed: RunEventFeed;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    private readonly ride: OutageRider,
    private readonly redact: (text: string) => string,
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
      await this.query('insert into firedrill_runs (id, drill, environment) values ($1, $2, $3)', [runId, input.drill, input.environment]);
      return { ok: true, runId };
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      const [active] = await this.active(input.environment);
      // The insert of a try whose answer was lost to a dropped connection.
      if (active?.id === runId) return { ok: true, runId };
      return { ok: false, activeRunId: active?.id ?? 'unknown' };
    }
  }

  async createFinishedRun(input: { drill: string; environment: string }): Promise<string> {
    const runId = randomUUID();
    await this.query(
      'insert into firedrill_runs (id, drill, environment, finished_at) values ($1, $2, $3, now()) on conflict (id) do nothing',
      [runId, input.drill, input.environment],
    );
    return runId;
  }

  /**
   * Safe to repeat: an event is identified by its run, type, instant and body, so a try whose
   * commit went through but whose answer was lost returns the event stored, not a second one.
   */
  async append(runId: string, given: EventBody, when?: Instant): Promise<RunEvent> {
    const body = redactedForJournal(given);
    const instant = when ?? { at: new Date().toISOString(), mono: performance.now(), clock: 'store' };
    // Casts throughout: each parameter appears in several places, which PostgreSQL would type apart.
    const result = await this.query<{ seq: string }>(
      `with stored as (
         select seq from firedrill_run_events
          where run_id = $1::uuid and type = $2::text and at = $3::timestamptz and mono = $4::float8
            and clock = $5::text and body = $6::jsonb
       ), inserted as (
         insert into firedrill_run_events (run_id, type, at, mono, clock, body)
         select $1::uuid, $2::text, $3::timestamptz, $4::float8, $5::text, $6::jsonb where not exists (select 1 from stored)
            and ($2::text = any($8::text[]) or not exists (
              select 1 from firedrill_runs runs join firedrill_run_events scored on scored.run_id = runs.id and scored.type = 'scored'
               where runs.id = $1::uuid and runs.finished_at is not null))
         returning seq
       )
       select seq from inserted
         cross join lateral (select pg_notify($7::text, json_build_object('run', $1::text, 'seq', seq)::text)) as notified
       union all
       select seq from stored`,
      [runId, body.type, instant.at, instant.mono, instant.clock, JSON.stringify(body), NOTIFY_CHANNEL, FOLLOW_UP_EVENTS],
    );
    const stored = result.rows[0];
    // A finished run's journal is closed, but for follow-ups: nothing may change what it measured.
    // (Scored but not yet finished is a run whose owner died in between: recovery still ends it.)
    if (!stored) throw new ScoredRunError(runId, body.type);
    return { ...body, ...instant, seq: Number(stored.seq) } as RunEvent;
  }

  async events(runId: string): Promise<RunEvent[]> {
    const result = await this.query<EventRow>(
      'select seq, type, at, mono, clock, body from firedrill_run_events where run_id = $1 order by seq',
      [runId],
    );
    return result.rows.map((row) => toEvent(runId, row));
  }

  async finish(runId: string, outcome: Outcome, scorecard: unknown): Promise<void> {
    await this.ride(() => withTransaction(this.pool, async (client) => {
      await client.query(
        'update firedrill_runs set finished_at = coalesce(finished_at, now()), outcome = $2, scorecard = $3 where id = $1',
        [runId, outcome, JSON.stringify(secrets.redactDeep(scorecard))],
      );
      // A finished run has nothing left to undo, and what an undo carried (a namespace's saved
      // Secrets, a Node object) should not outlive its need: only the description stays.
      await client.query(
        `update firedrill_run_events set body = jsonb_set(body, '{undo,params}', $2::jsonb)
          where run_id = $1 and type = 'undo-recorded' and body->'undo'->'params' <> $2::jsonb`,
        [runId, JSON.stringify(FINISHED_UNDO_PARAMS)],
      );
    }));
  }

  claim(runId: string): Promise<RunClaim | undefined> {
    return claimRun(this.connectionString, runId, this.ride);
  }

  claimed(runIds: readonly string[]): Promise<Set<string>> {
    return this.ride(() => claimedRuns(this.pool, runIds));
  }

  async unfinished(): Promise<RunSummary[]> {
    const result = await this.query<RunRow>(
      `select ${RUN_COLUMNS} from firedrill_runs where finished_at is null order by created_at`,
    );
    return result.rows.map(toSummary);
  }

  async active(environment?: string): Promise<RunSummary[]> {
    const result = await this.query<RunRow>(
      `select ${RUN_COLUMNS} from firedrill_runs where finished_at is null and ($1::text is null or environment = $1)
       order by created_at`,
      [environment ?? null],
    );
    return result.rows.map(toSummary);
  }

  async get(runId: string): Promise<RunSummary | undefined> {
    const result = await this.query<RunRow>(`select ${RUN_COLUMNS} from firedrill_runs where id = $1`, [runId]);
    return result.rows[0] && toSummary(result.rows[0]);
  }

  async findByPrefix(prefix: string): Promise<RunSummary[]> {
    const span = uuidSpan(prefix);
    if (!span) return [];
    // A range on the primary key: ids starting with the prefix lie between its lowest and highest completion.
    const result = await this.query<RunRow>(
      `select ${RUN_COLUMNS} from firedrill_runs where id between $1::uuid and $2::uuid order by created_at desc limit 10`,
      [span.low, span.high],
    );
    return result.rows.map(toSummary);
  }

  async list(filter: { drill?: string; environment?: string; limit: number }): Promise<RunSummary[]> {
    const result = await this.query<RunRow>(
      `select ${RUN_COLUMNS} from firedrill_runs
       where ($1::text is null or drill = $1) and ($2::text is null or environment = $2)
       order by created_at desc limit $3`,
      [filter.drill ?? null, filter.environment ?? null, filter.limit],
    );
    return result.rows.map(toSummary);
  }

  async scorecard(runId: string): Promise<Scorecard | null> {
    const result = await this.query<{ scorecard: unknown }>('select scorecard from firedrill_runs where id = $1', [runId]);
    return toScorecard(runId, result.rows[0]?.scorecard);
  }

  actionItems(filter: ActionItemFilter): Promise<ActionItem[]> {
    return this.ride(() => queryActionItems(this.pool, filter));
  }

  actionItem(id: string): Promise<ActionItem | undefined> {
    return this.ride(() => queryActionItem(this.pool, id));
  }

  watch(runId: string, listener: (event: RunEvent) => void): Promise<() => Promise<void>> {
    return this.ride(() => this.feed.watch(runId, listener));
  }

  /** Not ridden out: a health check says how the store is now. */
  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${formatDuration(timeoutMs)}`)), timeoutMs);
    });
    try {
      await Promise.race([this.pool.query('select 1'), timeout]);
    } catch (error) {
      throw new Error(this.redact(messageOf(error)));
    } finally {
      clearTimeout(timer);
    }
  }

  /** A query on the pool that rides out an outage. */
  private query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.ride(() => this.pool.query<R>(text, values));
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.pool.end();
  }
}

/** The lowest and highest uuids starting with `prefix` (hex digits, dashes ignored), or undefined when none can. */
export function uuidSpan(prefix: string): { low: string; high: string } | undefined {
  const digits = prefix.toLowerCase().replaceAll('-', '');
  if (!/^[0-9a-f]{0,32}$/.test(digits)) return undefined;
  const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { low: asUuid(digits.padEnd(32, '0')), high: asUuid(digits.padEnd(32, 'f')) };
}

/**
 * Every secret in force is masked before anything reaches the journal (command output, errors,
 * alert details), except what an undo must carry to put things back exactly (a saved Secret or
 * ConfigMap): that is dropped from the journal when the run finishes.
 */
function redactedForJournal(body: EventBody): EventBody {
  if (body.type !== 'undo-recorded') return secrets.redactDeep(body);
  const { params, ...rest } = body.undo;
  return { type: 'undo-recorded', undo: { ...secrets.redactDeep(rest), params } };
}
