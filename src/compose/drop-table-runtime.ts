import type pg from 'pg';
import type { Environment } from '../config/config-schema.js';
import type { DropTableDrill } from '../catalogue/drill-schema.js';
import type { Fault, Runbook } from '../engine/ports.js';
import { PermanentUndoFailure } from '../engine/rollback.js';
import { UserError } from '../errors.js';
import { drillShell } from './command-shell.js';
import { commandRunbookFor, drillProbes, rpoMarkerFor } from './probes.js';
import { connectToEnvironmentDatabase, databaseAllowedCheck, type EnvironmentDatabase } from './postgres-environment.js';
import type { KindContext, KindRuntime } from './kind-runtime.js';
import { dropTableFault } from '../../adapters/postgres/drop-table-fault.js';
import { restoreNewestBackupRunbook } from '../../adapters/postgres/restore-backup-runbook.js';
import { RestoreTableParams, undoDropTable } from '../../adapters/postgres/restore-table-undo.js';
import { s3ObjectStoreFor } from '../../adapters/s3/s3-object-store.js';
import { ownValue } from '../catalogue/own.js';
import { delayedReplicaOf, type DelayedReplicaConnection } from './delayed-replica.js';
import { delayedReplicaPreflight } from '../../adapters/postgres/delayed-replica-preflight.js';
import { rescueFromDelayedReplicaRunbook } from '../../adapters/postgres/delayed-replica-rescue.js';
import { resumeReplay } from '../../adapters/postgres/resume-replay-undo.js';
import { parseTableName } from '../../adapters/postgres/table-definition.js';

const RESUME_REPLAY = 'resume-delayed-replica';

export const dropTableRuntime: KindRuntime<'drop-table'> = {
  async build(drill, context) {
    const { environmentName, environment, runId, options } = context;
    const database = await connectToEnvironmentDatabase(environmentName, environment, options);
    const replica = await delayedReplicaOf(environmentName, environment, options).catch(async (error: unknown) => {
      await database.pool.end();
      throw error;
    });
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
    const close = async () => {
      await database.pool.end();
      await replica?.pool.end();
    };
    let runbook;
    try {
      runbook = runbookFor(drill, database.connectForChanges, replica, context);
    } catch (error) {
      await close();
      throw error;
    }
    const checked = replica ? withReplicaPreflight(fault, replica, database, drill.target.table) : fault;
    return {
      fault: guardProductionDatabase(checked, database, environmentName, environment),
      ...drillProbes(drill, { pool: database.pool, shell: drillShell(drill.id, context) }),
      rpo: drill.rpo && rpoMarkerFor(drill.rpo, database.pool, runId),
      runbook,
      close,
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
    async [RESUME_REPLAY](_recorded, { environmentName, environment, options }) {
      const replica = await delayedReplicaOf(environmentName, environment, options);
      if (!replica) {
        throw new PermanentUndoFailure(
          `environment "${environmentName}" no longer declares postgres.delayedReplica: resume replay on the delayed standby by hand (select pg_wal_replay_resume())`,
        );
      }
      try {
        const client = await replica.connect();
        try {
          return await resumeReplay(client, replica.label);
        } finally {
          await client.end();
        }
      } finally {
        await replica.pool.end();
      }
    },
  },
};

/** An environment with a delayed standby relies on it: once the table checks pass, the standby is checked too. */
function withReplicaPreflight(fault: Fault, replica: DelayedReplicaConnection, database: EnvironmentDatabase, table: string): Fault {
  return {
    ...fault,
    preflight: async () => {
      const checks = await fault.preflight();
      if (checks.some((check) => !check.ok)) return checks;
      const replicaChecks = await delayedReplicaPreflight({
        replica: replica.pool,
        replicaLabel: replica.label,
        primary: database.pool,
        declaredDelayMs: replica.declaredDelayMs,
        table: parseTableName(table),
      });
      return [...checks, ...replicaChecks];
    },
  };
}

/** The database is judged before the table checks connect for anything else (see databaseAllowedCheck). */
function guardProductionDatabase(fault: Fault, database: EnvironmentDatabase, environmentName: string, environment: Environment): Fault {
  return {
    ...fault,
    preflight: async () => {
      const check = await databaseAllowedCheck(database, environmentName, environment);
      return [check, ...(check.ok ? await fault.preflight() : [])];
    },
  };
}

function runbookFor(
  drill: DropTableDrill,
  connect: () => Promise<pg.Client>,
  replica: DelayedReplicaConnection | undefined,
  context: KindContext,
): Runbook | undefined {
  const { environmentName, environment, options } = context;
  if (drill.recovery.mode !== 'automated') return undefined;
  const runbook = drill.recovery.runbook;
  if (runbook.action === 'command') return commandRunbookFor(drill, drillShell(drill.id, context));
  if (runbook.action === 'rescue-from-delayed-replica') {
    if (!replica) {
      throw new UserError(
        `drill "${drill.id}" rescues from a delayed replica, but environment "${environmentName}" declares none`,
        `add postgres.delayedReplica: {url: {env: ...}, delay: 15m} to environments.${environmentName}, or change the drill's recovery.runbook`,
      );
    }
    return rescueFromDelayedReplicaRunbook({
      connectPrimary: connect,
      connectReplica: () => replica.connect(),
      replicaLabel: replica.label,
      table: drill.target.table,
      resumeUndo: { action: RESUME_REPLAY, description: `resume replay on the delayed replica ${replica.label}`, params: {} },
    });
  }
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

