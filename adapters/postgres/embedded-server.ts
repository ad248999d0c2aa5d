import { join, resolve } from 'node:path';
import { freePort } from '../../src/net/free-port.js';
import { clusterUrl, createDatabaseOn, loadBinaries, postgresUser, prepareCluster, startPostmaster, stopPostmaster, type EmbeddedCluster } from './embedded-cluster.js';

export interface EmbeddedServer {
  /** Its data directory and binaries: a delayed standby is copied from it (delayed-standby.ts). */
  cluster: EmbeddedCluster;
  port: number;
  /** Connection string for a database on this server (default: postgres). */
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedServerOptions {
  dataDir: string;
  /**
   * false turns fsync off: faster, but a power cut may lose or corrupt the latest writes.
   * Only for databases that are thrown away (the demo's sandbox shop, tests); never for the
   * run store, whose journal is what undoes a drill.
   */
  durable: boolean;
  onLog?: (line: string) => void;
}

/**
 * A real PostgreSQL on 127.0.0.1 only, owned by the caller alone: started here, stopped by
 * `stop()`. The run store, which several firedrill processes share, uses
 * shared-embedded-server.ts instead.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const cluster = await prepareCluster(options.dataDir, { durable: options.durable });
  const port = await freePort();
  const started = await startPostmaster(cluster, port, { durable: options.durable });
  if (!started.ok) throw new Error(`could not start the embedded PostgreSQL in ${cluster.pgdata}: ${started.reason}`);
  options.onLog?.(`embedded PostgreSQL started on 127.0.0.1:${port}`);
  const url = (database?: string) => clusterUrl(cluster, port, database);
  return {
    cluster,
    port,
    url,
    createDatabase: (name) => createDatabaseOn(url(), name),
    stop: () => stopPostmaster(cluster, 'fast'),
  };
}

/** Stops a server left running in `dataDir` by a process that died; nothing if none runs. */
export async function stopAbandonedServer(dataDir: string): Promise<void> {
  const pgdata = join(resolve(dataDir), 'pgdata');
  await stopPostmaster({ pgdata, binaries: await loadBinaries(), runAs: await postgresUser() }, 'immediate');
}
