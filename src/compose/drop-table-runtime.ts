import type pg from 'pg';
import type { Environment } from '../catalogue/config-schema.js';
import type { DropTableDrill } from '../catalogue/drill-schema.js';
import { looksLikeProduction } from '../engine/environment-guard.js';
import type { Fault, Runbook } from '../engine/ports.js';
import { PermanentUndoFailure } from '../engine/rollback.js';
import { UserError } from '../errors.js';
import { drillShell } from './command-shell.js';
import { commandRunbookFor, drillProbes, rpoMarkerFor } from './probes.js';
import { connectToEnvironmentDatabase, productionDatabaseRefusal, type EnvironmentDatabase } from './postgres-environment.js';
import type { KindContext, KindRuntime } from './kind-runtime.js';
import { dropTableFault } from '../../adapters/postgres/drop-table-fault.js';
import { restoreNewestBackupRunbook } from '../../adapters/postgres/restore-backup-runbook.js';
import { RestoreTableParams, undoDropTable } from '../../adapters/postgres/restore-table-undo.js';
import { s3ObjectStoreFor } from '../../adapters/s3/s3-object-store.js';
import { ownValue } from '../catalogue/own.js';

export const dropTableRuntime: KindRuntime<'drop-table'> = {
  async build(drill, context) {
    const { environmentName, environment, runId, options } = context;
    const database = await connectToEnvironmentDatabase(environmentName, environment, options);
    const fault = dropTableFault({
      pool: database.pool,
      connect: database.connectForChanges,
      table: drill.target.table,
      allowedTables: environment.postgres?.allowedTables ?? [],
      runId,
      databaseLabel: database.label,
      // Removed after verification by the marker, and by the undo too, so that a crash cannot leave it.
      ...(drill.rpo?.marker === 'canary' ? { canaryTable: drill.rpo.table } : {}),
    });
    return {
      fault: guardProductionDatabase(fault, database, environmentName, environment),
      ...drillProbes(drill, { pool: database.pool, shell: drillShell(drill.id, context) }),
      rpo: drill.rpo && rpoMarkerFor(drill.rpo, database.pool, runId),
      runbook: runbookFor(drill, database.connectForChanges, context),
      close: () => database.pool.end(),
    };
  },
  undo: {
    async 'restore-table'(recorded, { environmentName, environment, options }) {
      const params = RestoreTableParams.safeParse(recorded);
      if (!params.success) {
        throw new PermanentUndoFailure(
          `the recorded undo of this drop-table run is damaged (${params.error.issues[0]?.message ?? 'unreadable'}): ` +
            'move the table back by hand from its firedrill_safety_* schema, then drop that schema',
        );
      }
      const database = await connectToEnvironmentDatabase(environmentName, environment, options);
      try {
        const client = await database.connectForChanges();
        try {
          return await undoDropTable(client, params.data);
        } finally {
          await client.end();
        }
      } finally {
        await database.pool.end();
      }
    },
  },
};

/**
 * The database is judged twice before the table checks connect for anything else: by where
 * the driver will connect (the URL as `pg` reads it), then by the server's own answer on a
 * connection that has run nothing else. An override is journaled with the check.
 */
function guardProductionDatabase(fault: Fault, database: EnvironmentDatabase, environmentName: string, environment: Environment): Fault {
  const allowed = environment.allowProductionLookingNames;
  const override = `allowed by allowProductionLookingNames on ${environmentName}`;
  return {
    ...fault,
    preflight: async () => {
      const named = looksLikeProduction(database.label);
      if (named && !allowed) {
        const detail = `${database.label} looks like a production database; set allowProductionLookingNames: true on ${environmentName} if it is staging`;
        return [{ check: 'database allowed', ok: false, detail }];
      }
      const identity = await database.serverIdentity();
      const refusal = productionDatabaseRefusal(identity, allowed, environmentName);
      const reached = `the server says: database "${identity.database}" at ${identity.address}`;
      const suspicious = named || looksLikeProduction(identity.database);
      const detail = refusal ?? `${database.label} (${reached}) ${suspicious ? `looks like production, ${override}` : 'is not production-looking'}`;
      return [{ check: 'database allowed', ok: !refusal, detail }, ...(refusal ? [] : await fault.preflight())];
    },
  };
}

function runbookFor(drill: DropTableDrill, connect: () => Promise<pg.Client>, context: KindContext): Runbook | undefined {
  const { environmentName, environment, options } = context;
  if (drill.recovery.mode !== 'automated') return undefined;
  const runbook = drill.recovery.runbook;
  if (runbook.action === 'command') return commandRunbookFor(drill, drillShell(drill.id, context));
  // The drill schema allows velero-restore on delete-cluster drills only.
  if (runbook.action !== 'restore-table-from-s3') return undefined;
  const bucket = ownValue(environment.buckets, runbook.bucket);
  if (!bucket) {
    throw new UserError(
      `environment "${environmentName}" has no bucket named "${runbook.bucket}"`,
      `add it under environments.${environmentName}.buckets, or change the drill's recovery.runbook.bucket`,
    );
  }
  return restoreNewestBackupRunbook(connect, drill.target.table, s3ObjectStoreFor(bucket, options.env));
}

