import pRetry, { AbortError } from 'p-retry';
import pg from 'pg';
import type { RunClaim } from '../../src/engine/ports.js';
import { isConnectionFailure, type OutageRider } from './store-outage.js';

const CLAIM_NAMESPACE = 7_413_002;

/**
 * A run's claim: a session-level advisory lock on a connection of its own. When the owning
 * process dies, PostgreSQL drops the connection and the lock with it, so recovery can take
 * over. Undefined when another process holds it.
 */
export async function claimRun(connectionString: string, runId: string, ride: OutageRider): Promise<RunClaim | undefined> {
  const client = await ride(() => lockedConnection(connectionString, runId));
  return client && new HeldClaim(connectionString, runId, client);
}

/**
 * The lock also goes when the database restarts while the owner lives. The claim then takes
 * it again as soon as the database answers (the embedded store gives owners a moment for this
 * before a newly arrived process may roll runs back: see shared-embedded-server.ts). If
 * another process took it first, that process is rolling the run back and the claim stays lost.
 */
class HeldClaim implements RunClaim {
  private retaking: Promise<void> | undefined;
  private readonly released = new AbortController();

  constructor(
    private readonly connectionString: string,
    private readonly runId: string,
    private client: pg.Client | undefined,
  ) {
    if (client) this.follow(client);
  }

  async release(): Promise<void> {
    this.released.abort();
    await this.retaking;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await client.query('select pg_advisory_unlock($1, hashtext($2))', [CLAIM_NAMESPACE, this.runId]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  private follow(client: pg.Client): void {
    const lost = () => this.lost(client);
    client.on('error', lost);
    client.on('end', lost);
  }

  private lost(client: pg.Client): void {
    if (client !== this.client || this.released.signal.aborted) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.retaking = pRetry(
      async () => {
        const again = await lockedConnection(this.connectionString, this.runId);
        if (!again) throw new AbortError(`run ${this.runId} was taken over by another firedrill process`);
        if (this.released.signal.aborted) return void (await again.end().catch(() => undefined));
        this.client = again;
        this.follow(again);
      },
      { retries: Number.POSITIVE_INFINITY, minTimeout: 100, maxTimeout: 500, signal: this.released.signal, shouldRetry: ({ error }) => isConnectionFailure(error) },
    ).catch(() => undefined);
  }
}

async function lockedConnection(connectionString: string, runId: string): Promise<pg.Client | undefined> {
  const client = new pg.Client({ connectionString, application_name: 'firedrill run claim' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', [CLAIM_NAMESPACE, runId]);
    if (result.rows[0]?.locked) return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  await client.end().catch(() => undefined);
  return undefined;
}

/**
 * The runs among `runIds` whose claim some process holds, read from pg_locks without taking any
 * lock: looking must not keep an owner from taking its claim back after a store restart.
 */
export async function claimedRuns(pool: pg.Pool, runIds: readonly string[]): Promise<Set<string>> {
  if (runIds.length === 0) return new Set();
  const result = await pool.query<{ id: string }>(
    `select id from unnest($2::text[]) as id
     where exists (
       select 1 from pg_locks
       where locktype = 'advisory' and granted and objsubid = 2
         and database = (select oid from pg_database where datname = current_database())
         and classid = $1::int::oid and objid = hashtext(id)::oid)`,
    [CLAIM_NAMESPACE, runIds],
  );
  return new Set(result.rows.map((row) => row.id));
}
