import pg from 'pg';
import type { Environment } from '../config/config-schema.js';
import { resolveSecret } from '../catalogue/load.js';
import { looksLikeProduction } from '../engine/environment-guard.js';
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
  /** `host:port/database` as the driver will connect, for messages and the name guard (never the password). */
  label: string;
  /** Connects and asks the server which database it is; nothing else is run on that connection first. */
  serverIdentity(): Promise<ServerIdentity>;
}

/** The environment's staging database. */
export async function connectToEnvironmentDatabase(name: string, environment: Environment, options: ComposeOptions): Promise<EnvironmentDatabase> {
  if (!environment.postgres) {
    throw new UserError(`environment "${name}" has no postgres: section`, 'drop-table drills need postgres.url and postgres.allowedTables');
  }
  const url = await resolveSecret(environment.postgres.url, options.configDir, options.env);
  const target = connectionTarget(url, name);
  const pool = new pg.Pool({ connectionString: url, max: 6, statement_timeout: PROBE_TIMEOUT_MS, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  pool.on('error', () => undefined);
  const allowed = environment.allowProductionLookingNames;
  return {
    pool,
    connectForChanges: () => connectForChanges(url, allowed, name),
    label: `${target.host}:${target.port}/${target.database}`,
    serverIdentity: async () => {
      const client = await pool.connect();
      try {
        return await serverIdentity(client);
      } finally {
        client.release();
      }
    },
  };
}

/**
 * Where the driver will really connect: the URL decoded and completed the way `pg` does it
 * (`?host=`, percent-encoding, a database defaulting to the user name, PGHOST, PGDATABASE and
 * the other PG* variables), not the URL as text.
 */
function connectionTarget(url: string, environmentName: string): { host: string; port: number; database: string } {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url });
  } catch {
    throw new UserError(`environment "${environmentName}": postgres.url is not a connection URL`, 'write it as postgres://user:password@host:5432/database');
  }
  return { host: client.host, port: client.port, database: client.database ?? '' };
}

/** The server's own answer: which database this connection reached, at which address. */
export async function serverIdentity(client: pg.ClientBase): Promise<ServerIdentity> {
  const result = await client.query<{ database: string; address: string | null; port: number | null }>(
    'select current_database() as database, host(inet_server_addr()) as address, inet_server_port() as port',
  );
  const row = result.rows[0]!;
  return { database: row.database, address: row.address ?? 'a local socket', port: row.port };
}

export interface ServerIdentity {
  database: string;
  address: string;
  port: number | null;
}

/**
 * The database is judged twice before anything else connects to it: by where the driver will
 * connect (the URL as `pg` reads it), then by the server's own answer on a connection that has
 * run nothing else. An override is recorded in the detail. Drills and restores alike.
 */
export async function databaseAllowedCheck(
  database: EnvironmentDatabase,
  environmentName: string,
  environment: Environment,
): Promise<{ check: string; ok: boolean; detail: string }> {
  const allowed = environment.allowProductionLookingNames;
  const override = `allowed by allowProductionLookingNames on ${environmentName}`;
  const named = looksLikeProduction(database.label);
  if (named && !allowed) {
    const detail = `${database.label} looks like a production database; set allowProductionLookingNames: true on ${environmentName} if it is staging`;
    return { check: 'database allowed', ok: false, detail };
  }
  const identity = await database.serverIdentity();
  const refusal = productionDatabaseRefusal(identity, allowed, environmentName);
  const reached = `the server says: database "${identity.database}" at ${identity.address}`;
  const suspicious = named || looksLikeProduction(identity.database);
  const detail = refusal ?? `${database.label} (${reached}) ${suspicious ? `looks like production, ${override}` : 'is not production-looking'}`;
  return { check: 'database allowed', ok: !refusal, detail };
}

/** Why a connection that reached `identity` must not be drilled; undefined when it may. */
export function productionDatabaseRefusal(identity: ServerIdentity, allowProductionLookingNames: boolean, environmentName: string): string | undefined {
  if (allowProductionLookingNames || !looksLikeProduction(identity.database)) return undefined;
  return `the server says this connection reached database "${identity.database}" (${identity.address}), which looks like production; set allowProductionLookingNames: true on ${environmentName} if it is staging`;
}

async function connectForChanges(url: string, allowProductionLookingNames: boolean, environmentName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, application_name: 'firedrill' });
  // A connection that dies while idle reports it here; the next query fails with the reason.
  client.on('error', () => undefined);
  await client.connect();
  try {
    // Before anything changes: the server, not the URL, says where this connection arrived.
    const refusal = productionDatabaseRefusal(await serverIdentity(client), allowProductionLookingNames, environmentName);
    if (refusal) throw new UserError(refusal);
    await client.query("select set_config('statement_timeout', '0', false), set_config('lock_timeout', $1, false)", [
      `${CHANGE_LOCK_TIMEOUT_MS}ms`,
    ]);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
