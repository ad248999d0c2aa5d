import { appendFile, chmod, chown, copyFile, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/net/free-port.js';
import { clusterUrl, prepareCluster, startPostmaster, stopPostmaster, USER, type EmbeddedCluster } from './embedded-cluster.js';

export interface DelayedStandby {
  /** Connection string for a database on the standby (read-only while it recovers). */
  url(database?: string): string;
  port: number;
  stop(): Promise<void>;
}

export interface StartDelayedStandbyOptions {
  /** A running embedded server of firedrill's (embedded-server.ts): the standby streams from it. */
  primary: { cluster: EmbeddedCluster; port: number };
  /** A folder of its own for the standby's data directory. */
  dataDir: string;
  /** `recovery_min_apply_delay`: how late the standby applies each commit. */
  delayMs: number;
  /** How long to wait for the standby to stream from the primary. */
  timeoutMs?: number;
}

const SLOT = 'firedrill_delayed_standby';

/**
 * A hot standby of an embedded primary that applies its changes `delayMs` late, as teams
 * keep one to survive a dropped table: for the demo and the tests. The base backup is taken
 * without pg_basebackup (the embedded binaries do not ship it): pg_backup_start, a copy of
 * the data directory, pg_backup_stop, whose label goes into the copy. A replication slot
 * keeps the primary's WAL until the standby has streamed it.
 */
export async function startDelayedStandby(options: StartDelayedStandbyOptions): Promise<DelayedStandby> {
  const { primary } = options;
  const root = resolve(options.dataDir);
  const pgdata = join(root, 'pgdata');
  const primaryUrl = clusterUrl(primary.cluster, primary.port);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true, mode: 0o700 });
  // The copy has the primary's roles, so the same password.
  await writeFile(join(root, 'password'), primary.cluster.password, { mode: 0o600 });
  await takeBaseBackup(primaryUrl, primary.cluster.pgdata, pgdata);
  await appendFile(
    join(pgdata, 'postgresql.auto.conf'),
    [
      '',
      '# firedrill: a delayed standby of the embedded primary',
      `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=${USER} password=${primary.cluster.password} application_name=firedrill_delayed_standby'`,
      `primary_slot_name = '${SLOT}'`,
      `recovery_min_apply_delay = '${Math.round(options.delayMs)}ms'`,
      'hot_standby = on',
      '',
    ].join('\n'),
  );
  await writeFile(join(pgdata, 'standby.signal'), '');
  const { runAs } = primary.cluster;
  if (runAs.uid !== undefined) await chownTree(root, runAs.uid, runAs.gid ?? runAs.uid);
  await chmod(pgdata, 0o700);

  const cluster = await prepareCluster(root, { durable: false });
  const port = await freePort();
  const started = await startPostmaster(cluster, port, { durable: false });
  if (!started.ok) throw new Error(`could not start the delayed standby in ${pgdata}: ${started.reason}`);
  const standby: DelayedStandby = {
    url: (database) => clusterUrl(cluster, port, database),
    port,
    stop: async () => {
      await stopPostmaster(cluster, 'immediate');
      await dropSlot(primaryUrl).catch(() => undefined);
    },
  };
  try {
    await waitForStreaming(standby.url(), cluster.logFile, options.timeoutMs ?? 60_000);
  } catch (error) {
    await standby.stop();
    throw error;
  }
  return standby;
}

async function takeBaseBackup(primaryUrl: string, from: string, to: string): Promise<void> {
  const client = new pg.Client({ connectionString: primaryUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(
      `select pg_create_physical_replication_slot($1, true) where not exists (select 1 from pg_replication_slots where slot_name = $1)`,
      [SLOT],
    );
    // Non-exclusive: the backup belongs to this session, which must stay open until it stops.
    await client.query(`select pg_backup_start('firedrill delayed standby', true)`);
    await copyDataDirectory(from, to);
    const stopped = await client.query<{ labelfile: string; spcmapfile: string | null }>('select labelfile, spcmapfile from pg_backup_stop(false)');
    const { labelfile, spcmapfile } = stopped.rows[0]!;
    await writeFile(join(to, 'backup_label'), labelfile);
    if (spcmapfile) await writeFile(join(to, 'tablespace_map'), spcmapfile);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What a base backup leaves out: the server's runtime state, and the WAL it streams anyway. */
const EMPTIED = new Set(['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']);
const SKIPPED = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'standby.signal', 'firedrill-server.log']);

async function copyDataDirectory(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name) || entry.name.startsWith('pgsql_tmp')) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      if (EMPTIED.has(entry.name)) {
        await mkdir(entry.name === 'pg_wal' ? join(target, 'archive_status') : target, { recursive: true, mode: 0o700 });
      } else {
        await copyDataDirectory(source, target);
      }
    } else if (entry.isFile()) {
      // A file the running primary removes meanwhile (a temporary one) is not needed.
      await copyFile(source, target).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    }
  }
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if (!(await lstat(path)).isSymbolicLink()) await chown(path, uid, gid);
  }
}

async function waitForStreaming(standbyUrl: string, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    const client = new pg.Client({ connectionString: standbyUrl });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const result = await client.query<{ status: string | null }>('select (select status from pg_stat_wal_receiver) as status');
      last = `wal receiver ${result.rows[0]?.status ?? 'not running'}`;
      if (result.rows[0]?.status === 'streaming') return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  const tail = await readFile(logFile, 'utf8').then((text) => text.trim().split('\n').slice(-6).join('\n'), () => '');
  throw new Error(`the delayed standby did not start streaming within ${timeoutMs} ms (${last})${tail ? `\n${tail}` : ''}`);
}

async function dropSlot(primaryUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: primaryUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [SLOT]);
  } finally {
    await client.end().catch(() => undefined);
  }
}
