import pg from 'pg';
import type { Environment } from '../catalogue/config-schema.js';
import { resolveSecret } from '../catalogue/load.js';
import { UserError } from '../errors.js';
import { PROBE_TIMEOUT_MS, type ComposeOptions } from './kind-runtime.js';

/**
 * How long an injection, undo or restore waits for a lock that a transaction of the app
 * holds before it gives up (the engine tries an undo again), rather than wait forever and
 * block every query queued behind it.
 */
export const CHANGE_LOCK_TIMEOUT_MS = 10_000;

export interface EnvironmentDatabase {
  /** For probes and RPO markers: every statement is cut off after PROBE_TIMEOUT_MS. Not connected yet. */
  pool: pg.Pool;
  /**
   * A connection of its own for what changes the database (inject, undo, restore): no
   * statement timeout, which would cut a restore of a large table short, whatever the URL
   * or the role's defaults say; a lock timeout of CHANGE_LOCK_TIMEOUT_MS. The caller ends it.
   */
  connectForChanges(): Promise<pg.Client>;
  /** `host:port/database`, for messages (never the password). */
  label: string;
}

/** The environment's staging database. */
export async function connectToEnvironmentDatabase(name: string, environment: Environment, options: ComposeOptions): Promise<EnvironmentDatabase> {
  if (!environment.postgres) {
    throw new UserError(`environment "${name}" has no postgres: section`, 'drop-table drills need postgres.url and postgres.allowedTables');
  }
  const url = await resolveSecret(environment.postgres.url, options.configDir, options.env);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`environment "${name}": postgres.url is not a URL`, 'write it as postgres://user:password@host:5432/database');
  }
  const pool = new pg.Pool({ connectionString: url, max: 6, statement_timeout: PROBE_TIMEOUT_MS, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  pool.on('error', () => undefined);
  return {
    pool,
    connectForChanges: () => connectForChanges(url),
    label: `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`,
  };
}

async function connectForChanges(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, application_name: 'firedrill' });
  // A connection that dies while idle reports it here; the next query fails with the reason.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query("select set_config('statement_timeout', '0', false), set_config('lock_timeout', $1, false)", [
      `${CHANGE_LOCK_TIMEOUT_MS}ms`,
    ]);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
