import pg from 'pg';
import type { Environment } from '../catalogue/config-schema.js';
import { resolveSecret } from '../catalogue/load.js';
import { UserError } from '../errors.js';
import { PROBE_TIMEOUT_MS, type ComposeOptions } from './kind-runtime.js';

/** A pool on the environment's staging database (not connected yet), and a label for messages without the password. */
export async function connectToEnvironmentDatabase(name: string, environment: Environment, options: ComposeOptions) {
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
  return { pool, label: `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}` };
}
