import pg from 'pg';
import type { Environment } from '../config/config-schema.js';
import { resolveSecret } from '../catalogue/load.js';
import { looksLikeProduction } from '../engine/environment-guard.js';
import { UserError } from '../errors.js';
import { PROBE_TIMEOUT_MS, type ComposeOptions } from './kind-runtime.js';

export interface DelayedReplicaConnection {
  /** For preflight: every statement cut off after PROBE_TIMEOUT_MS. Not connected yet. */
  pool: pg.Pool;
  /** A connection of its own for the rescue: no statement timeout (the copy of a large table takes long). */
  connect(): Promise<pg.Client>;
  /** `host:port/database`, for messages (never the password). */
  label: string;
  declaredDelayMs: number;
}

/** The environment's delayed standby (`postgres.delayedReplica`), if it declares one. */
export async function delayedReplicaOf(environmentName: string, environment: Environment, options: ComposeOptions): Promise<DelayedReplicaConnection | undefined> {
  const declared = environment.postgres?.delayedReplica;
  if (!declared) return undefined;
  const url = await resolveSecret(declared.url, options.configDir, options.env);
  let probe: pg.Client;
  try {
    probe = new pg.Client({ connectionString: url });
  } catch {
    throw new UserError(`environment "${environmentName}": postgres.delayedReplica.url is not a connection URL`, 'write it as postgres://user:password@host:5432/database');
  }
  const label = `${probe.host}:${probe.port}/${probe.database ?? ''}`;
  if (looksLikeProduction(label) && !environment.allowProductionLookingNames) {
    throw new UserError(
      `environment "${environmentName}": the delayed replica ${label} looks like a production database`,
      `set allowProductionLookingNames: true on ${environmentName} if it is staging`,
    );
  }
  const pool = new pg.Pool({ connectionString: url, max: 2, statement_timeout: PROBE_TIMEOUT_MS, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  pool.on('error', () => undefined);
  return {
    pool,
    label,
    declaredDelayMs: declared.delay,
    async connect() {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, application_name: 'firedrill' });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query("select set_config('statement_timeout', '0', false)");
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return client;
    },
  };
}
