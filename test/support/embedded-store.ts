import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { postmasterAlive, readPostmaster, type Postmaster } from '../../adapters/postgres/postmaster-lock-file.js';

/** The embedded run store that firedrill commands keep in `stateDir` (FIREDRILL_STATE_DIR). */
export interface EmbeddedStoreProbe {
  pgdata: string;
  /** The server postmaster.pid names, if it is running. */
  running(): Promise<Postmaster | undefined>;
  /** Waits until a running server answers, and returns it. */
  waitForRunning(other?: { not: number }): Promise<Postmaster>;
  /** Waits until no server runs (after the last user left). */
  waitForStopped(): Promise<void>;
  /** A query on a database of the store (default: `postgres`; the journal is in `firedrill`). */
  query<R extends pg.QueryResultRow>(sql: string, values?: unknown[], database?: string): Promise<R[]>;
  /** The id of the active run once its fault is injected (a run started by another process). */
  injectedRun(): Promise<string>;
  /** SIGKILL to the postmaster, as a crash or the OOM killer would; returns once it is gone. */
  killServer(): Promise<Postmaster>;
  /** Makes the server fail to start (a setting it rejects) until `mendConfig`. */
  breakConfig(): Promise<void>;
  mendConfig(): Promise<void>;
}

export function embeddedStoreIn(stateDir: string): EmbeddedStoreProbe {
  const dataDir = join(stateDir, 'store');
  const pgdata = join(dataDir, 'pgdata');
  const autoConf = join(pgdata, 'postgresql.auto.conf');
  let savedConf: string | undefined;
  const running = async () => {
    const named = await readPostmaster(pgdata);
    return named && (await postmasterAlive(pgdata, named.pid)) ? named : undefined;
  };
  const probe: EmbeddedStoreProbe = {
    pgdata,
    running,
    waitForRunning: (other) =>
      waitFor('the embedded store to run', async () => {
        const named = await running();
        if (!named || named.pid === other?.not) return undefined;
        return (await answers(await urlFor(dataDir, named.port))) ? named : undefined;
      }),
    async waitForStopped() {
      await waitFor('the embedded store to stop', async () => ((await running()) ? undefined : true));
    },
    async query(sql, values = [], database = 'postgres') {
      const named = await running();
      if (!named) throw new Error('the embedded store is not running');
      const client = new pg.Client({ connectionString: await urlFor(dataDir, named.port, database) });
      await client.connect();
      try {
        return (await client.query(sql, values)).rows;
      } finally {
        await client.end();
      }
    },
    injectedRun: () =>
      waitFor('a run to inject its fault', async () => {
        const rows = await probe
          .query<{ run_id: string }>(
            `select e.run_id from firedrill_run_events e join firedrill_runs r on r.id = e.run_id
              where e.type = 'injected' and r.finished_at is null`,
            [],
            'firedrill',
          )
          .catch(() => []);
        return rows[0]?.run_id;
      }),
    async killServer() {
      const named = await running();
      if (!named) throw new Error('the embedded store is not running');
      process.kill(named.pid, 'SIGKILL');
      await waitFor('the killed postmaster to be gone', async () => ((await postmasterAlive(pgdata, named.pid)) ? undefined : true));
      return named;
    },
    async breakConfig() {
      savedConf = await readFile(autoConf, 'utf8');
      await appendFile(autoConf, "\nmax_connections = 'broken on purpose by a test'\n");
    },
    async mendConfig() {
      if (savedConf !== undefined) await writeFile(autoConf, savedConf);
    },
  };
  return probe;
}

async function urlFor(dataDir: string, port: number, database = 'postgres'): Promise<string> {
  const password = (await readFile(join(dataDir, 'password'), 'utf8')).trim();
  return `postgres://firedrill:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Checks `condition` every 50 ms until it gives a value; fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(what: string, condition: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A child process's output as it comes, with a way to wait for a line. */
export interface FollowedProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The first match of `pattern` in stderr (or stdout), as soon as it is printed. */
  waitFor(pattern: RegExp, stream?: 'stderr' | 'stdout'): Promise<RegExpExecArray>;
  /** The exit code, once it has exited. */
  exited: Promise<number | null>;
}

export function follow(child: ChildProcess): FollowedProcess {
  const output = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
    for (const check of waiters) check();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
    for (const check of waiters) check();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    exited,
    waitFor: (pattern, stream = 'stderr') =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = pattern.exec(output[stream]);
          if (!found) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
        void exited.then((code) => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          reject(new Error(`exited (${String(code)}) before printing ${String(pattern)}:\n${output.stderr}`));
        });
      }),
  };
}

/** A config with one `command` drill whose fault is the file `outage` in `dir` (absolute paths: no folder assumptions). */
export async function writeCommandDrillConfig(dir: string, drill: { maxDuration: string }): Promise<string> {
  await mkdir(join(dir, 'drills'), { recursive: true });
  const outage = join(dir, 'outage');
  await writeFile(
    join(dir, 'drills', 'flag-outage.yaml'),
    `id: flag-outage
title: A bad feature flag takes the shop down
kind: command
target:
  inject: touch '${outage}'
  undo: rm -f '${outage}'
severity: low
objectives: { rto: 10m }
steadyState:
  probes: [{ type: command, name: shop up, run: "test ! -f '${outage}'" }]
  interval: 100ms
  stableFor: 200ms
detection:
  alerts: [{ match: ['alertname=ShopDown'] }]
recovery: { mode: manual }
maxDuration: ${drill.maxDuration}
`,
  );
  const config = join(dir, 'firedrill.yaml');
  await writeFile(config, 'builtInDrills: false\ncatalogue: [drills/]\nenvironments:\n  staging: {}\n');
  return config;
}
