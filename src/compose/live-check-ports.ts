import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import pg from 'pg';
import type { FileState, LiveCheckPorts } from '../live-check/ports.js';
import { connectToEnvironmentDatabase } from './postgres-environment.js';
import { connectToEnvironmentCluster } from './kube-environment.js';
import { openConfiguredCircle } from './trust.js';
import type { ComposeOptions } from './kind-runtime.js';
import { apiServerVersion } from '../../adapters/kubernetes/api-version.js';
import { readOnlyQuery } from '../../adapters/postgres/read-only-query.js';
import { listTableBackups } from '../../adapters/postgres/table-backup.js';
import { S3ObjectStore, s3ClientFor } from '../../adapters/s3/s3-object-store.js';

/**
 * The live check's ports on the real things: the environment's database through the same
 * connection code a run uses (queries in a READ ONLY transaction, with a timeout), its
 * kubeconfig, the S3 buckets and the circle of trust. Nothing here writes.
 */
export function liveCheckPorts(options: ComposeOptions & { configPath: string; timeoutMs: number }): LiveCheckPorts {
  const { timeoutMs } = options;
  return {
    async database(environmentName, environment) {
      const { pool, label } = await connectToEnvironmentDatabase(environmentName, environment, options);
      return {
        label,
        async identify() {
          const rows = await readOnlyQuery(pool, "select current_database(), current_setting('server_version')", [], timeoutMs);
          const [database, version] = rows[0] ?? [];
          return { database: String(database), version: String(version) };
        },
        async missingTables(tables) {
          const quoted = tables.map(quotedTable);
          const rows = await readOnlyQuery(pool, 'select name from unnest($1::text[]) with ordinality as t(name, n) where to_regclass(name) is null order by n', [quoted], timeoutMs);
          const missing = new Set(rows.map((row) => String(row[0])));
          return tables.filter((_, index) => missing.has(quoted[index]!));
        },
        close: () => pool.end(),
      };
    },

    cluster(environmentName, environment) {
      const { kube } = connectToEnvironmentCluster(environmentName, environment, options);
      return { context: kube.contextName, server: kube.server, version: () => apiServerVersion(kube, timeoutMs) };
    },

    bucket(bucket) {
      const client = s3ClientFor(bucket, options.env, { timeoutMs });
      const store = new S3ObjectStore(client, bucket.bucket, bucket.prefix);
      return {
        location: store.location,
        async newestBackup(table) {
          const [newest] = await listTableBackups(store, table);
          return newest && { key: newest.key, takenAt: newest.takenAt, rows: newest.rows };
        },
        close: () => client.destroy(),
      };
    },

    circle: (trust) => openConfiguredCircle(trust, { configPath: options.configPath, configDir: options.configDir, env: options.env }),

    file: fileState,
  };
}

/** `schema.table` as PostgreSQL reads a quoted name: `Orders` stays `Orders`, as the drill's DROP TABLE would. */
function quotedTable(table: string): string {
  const [schema, name] = table.includes('.') ? table.split('.', 2) : ['public', table];
  return `${pg.escapeIdentifier(schema!)}.${pg.escapeIdentifier(name!)}`;
}

async function fileState(file: string): Promise<FileState> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) return 'folder';
    return (await access(file, constants.X_OK).then(() => true, () => false)) ? 'executable' : 'file';
  } catch {
    return 'missing';
  }
}
