/**
 * The composition root: the only module in src/ that names adapters. It turns
 * configuration into the ports the engine uses.
 */
import { join } from 'node:path';
import pg from 'pg';
import type { Environment, SecretRef } from './catalogue/config-schema.js';
import type { Drill, Probe as ProbeSpec } from './catalogue/drill-schema.js';
import { resolveSecret } from './catalogue/load.js';
import { looksLikeProduction } from './engine/environment-guard.js';
import type { DrillRuntime, Probe, RpoMarker, Runbook, RunStore, RuntimeFactory, Undoer } from './engine/ports.js';
import { UserError } from './errors.js';
import { commandProbe } from './probes/command-probe.js';
import { httpProbe } from './probes/http-probe.js';
import { stateDir } from './state-dir.js';
import { dropTableFault } from '../adapters/postgres/drop-table-fault.js';
import { restoreNewestBackupRunbook } from '../adapters/postgres/restore-backup-runbook.js';
import { restoreTableFromSafetyCopy } from '../adapters/postgres/restore-table-undo.js';
import { openPostgresRunStore } from '../adapters/postgres/run-store.js';
import { startEmbeddedServer } from '../adapters/postgres/embedded-server.js';
import { canaryMarker, columnMarker, queryMarker } from '../adapters/postgres/rpo-markers.js';
import { sqlProbe } from '../adapters/postgres/sql-probe.js';
import { s3ObjectStoreFor } from '../adapters/s3/s3-object-store.js';

export interface ComposeOptions {
  /** Secret files are relative to the config file. */
  configDir: string;
  env: NodeJS.ProcessEnv;
}

const PROBE_TIMEOUT_MS = 5_000;

export function runtimeFactory(options: ComposeOptions): RuntimeFactory {
  return {
    async runtimeFor(drill, environmentName, environment, runId) {
      if (drill.kind !== 'drop-table') {
        throw new UserError(
          `drill kind "${drill.kind}" cannot run yet: this version of firedrill runs drop-table drills`,
          'pick a drop-table drill (firedrill validate lists the catalogue)',
        );
      }
      const database = await connectToEnvironmentDatabase(environmentName, environment, options);
      const fault = dropTableFault({
        pool: database.pool,
        table: drill.target.table,
        allowedTables: environment.postgres?.allowedTables ?? [],
        runId,
        databaseLabel: database.label,
      });
      const productionLooking = !environment.allowProductionLookingNames && looksLikeProduction(database.label);
      const guardedFault = {
        ...fault,
        preflight: async () => [
          {
            check: 'database allowed',
            ok: !productionLooking,
            detail: productionLooking
              ? `${database.label} looks like a production database; set allowProductionLookingNames: true on ${environmentName} if it is staging`
              : `${database.label} is not production-looking`,
          },
          ...(await fault.preflight()),
        ],
      };
      const runtime: DrillRuntime = {
        fault: guardedFault,
        steadyState: drill.steadyState.probes.map((spec, index) => probeFor(spec, `probe ${index + 1}`, database.pool)),
        verify: drill.verify.map((spec, index) => probeFor(spec, `check ${index + 1}`, database.pool)),
        rpo: drill.rpo && rpoMarkerFor(drill.rpo, database.pool, runId),
        runbook: runbookFor(drill, environmentName, environment, database.pool, options),
        close: () => database.pool.end(),
      };
      return runtime;
    },

    async undoerFor(environmentName, environment) {
      let database: { pool: pg.Pool } | undefined;
      const undoer: Undoer & { close(): Promise<void> } = {
        async undo(action) {
          if (action.action !== 'restore-table') throw new Error(`no undo named "${action.action}" in this version of firedrill`);
          database ??= await connectToEnvironmentDatabase(environmentName, environment, options);
          return restoreTableFromSafetyCopy(database.pool, action.params as unknown as Parameters<typeof restoreTableFromSafetyCopy>[1]);
        },
        close: async () => {
          await database?.pool.end();
        },
      };
      return undoer;
    },
  };
}

async function connectToEnvironmentDatabase(name: string, environment: Environment, options: ComposeOptions) {
  if (!environment.postgres) {
    throw new UserError(`environment "${name}" has no postgres: section`, 'drop-table drills need postgres.url and postgres.allowedTables');
  }
  const url = await resolveSecret(environment.postgres.url, options.configDir, options.env);
  const parsed = safeUrl(url, name);
  const pool = new pg.Pool({ connectionString: url, max: 6, statement_timeout: PROBE_TIMEOUT_MS, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  pool.on('error', () => undefined);
  return { pool, label: `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}` };
}

function safeUrl(url: string, environmentName: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new UserError(
      `environment "${environmentName}": postgres.url is not a URL`,
      'write it as postgres://user:password@host:5432/database',
    );
  }
}

function probeFor(spec: ProbeSpec, fallbackName: string, pool: pg.Pool): Probe {
  const name = spec.name ?? fallbackName;
  switch (spec.type) {
    case 'sql':
      return sqlProbe(pool, name, spec.query);
    case 'http':
      return httpProbe(name, spec.url, spec.expectStatus, PROBE_TIMEOUT_MS);
    case 'command':
      return commandProbe(name, spec.run, PROBE_TIMEOUT_MS);
  }
}

function rpoMarkerFor(spec: NonNullable<Drill['rpo']>, pool: pg.Pool, runId: string): RpoMarker {
  switch (spec.marker) {
    case 'canary':
      return canaryMarker(pool, spec.table, spec.interval, runId);
    case 'column':
      return columnMarker(pool, spec.table, spec.column);
    case 'query':
      return queryMarker(pool, spec.query);
  }
}

function runbookFor(
  drill: Extract<Drill, { kind: 'drop-table' }>,
  environmentName: string,
  environment: Environment,
  pool: pg.Pool,
  options: ComposeOptions,
): Runbook | undefined {
  if (drill.recovery.mode !== 'automated') return undefined;
  const runbook = drill.recovery.runbook;
  if (runbook.action === 'command') {
    const probe = commandProbe('runbook', runbook.run, drill.maxDuration);
    return {
      description: `run \`${runbook.run}\``,
      async run() {
        const result = await probe.check();
        if (!result.ok) throw new Error(`the runbook command failed: ${result.detail}`);
        return result.detail;
      },
    };
  }
  const bucket = environment.buckets[runbook.bucket];
  if (!bucket) {
    throw new UserError(
      `environment "${environmentName}" has no bucket named "${runbook.bucket}"`,
      `add it under environments.${environmentName}.buckets, or change the drill's recovery.runbook.bucket`,
    );
  }
  return restoreNewestBackupRunbook(pool, drill.target.table, s3ObjectStoreFor(bucket, options.env));
}

export interface OpenedStore {
  store: RunStore;
  /** Where it lives, for messages (never with a password). */
  location: string;
  close(): Promise<void>;
}

/**
 * The run store: the config's `store.url`, else DATABASE_URL, else an embedded PostgreSQL
 * in the state directory, so that nothing needs installing.
 */
export async function openStore(
  storeUrl: SecretRef | undefined,
  options: ComposeOptions,
  onLog?: (line: string) => void,
): Promise<OpenedStore> {
  const url = storeUrl ? await resolveSecret(storeUrl, options.configDir, options.env) : options.env.DATABASE_URL;
  if (url) {
    const store = await openPostgresRunStore(url);
    return { store, location: redactUrl(url), close: () => store.close() };
  }
  const dataDir = join(stateDir(options.env), 'store');
  const server = await startEmbeddedServer({ dataDir, onLog });
  await server.createDatabase('firedrill');
  const store = await openPostgresRunStore(server.url('firedrill'));
  return {
    store,
    location: `embedded PostgreSQL in ${dataDir}`,
    close: async () => {
      await store.close();
      await server.stop();
    },
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured database';
  }
}
