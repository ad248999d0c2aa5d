import pRetry, { AbortError } from 'p-retry';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../src/catalogue/duration.js';
import { UserError } from '../../src/errors.js';
import { freePort } from '../../src/net/free-port.js';
import {
  clusterUrl,
  createDatabaseWith,
  prepareCluster,
  readPostmaster,
  startPostmaster,
  stopPostmaster,
  type EmbeddedCluster,
} from './embedded-cluster.js';
import { postmasterAlive } from './postmaster-lock-file.js';

/*
 * The embedded run store is one PostgreSQL server per state directory, shared by every
 * firedrill process that uses it (CLI commands, `serve`, `chat`), whichever started it.
 *
 * The rule: the last user stops it.
 * - A user is a process that holds the shared advisory lock LEASE, on a connection of its
 *   own, for as long as it uses the server. PostgreSQL drops the lock with the connection,
 *   so a process killed with -9 stops being a user at once.
 * - Leaving, a user releases its shared lock, then tries the exclusive lock on the same key
 *   (pg_try_advisory_lock). Only when it gets it (nobody else uses the server) does it stop
 *   the server, and it holds the lock while stopping. Release-then-try rather than an upgrade
 *   in place: of two users leaving at once, two upgrades would each see the other's shared
 *   lock and neither would stop; with release-then-try the one that tries last finds nobody.
 * - Arriving, a process connects to the server that postmaster.pid names and waits for the
 *   shared lock. If a leaving user holds it exclusively, the wait ends when the shutdown ends
 *   the connection; the arriving process then waits for that server to be gone and starts it
 *   again. If no server answers, it starts one; of two starting at once, the loser's
 *   `pg_ctl start` fails on postmaster.pid and its next try joins the winner's server.
 * - A user whose lease connection is lost while it runs (the server was killed or crashed)
 *   starts the server again, on the same port so that its pools find it, and takes the lease
 *   again; its store calls wait meanwhile (store-outage.ts).
 * - A server that dies takes the runs' claims (advisory locks too) with it; each owner takes
 *   its claim back as soon as the server is up again (run-claim.ts). A process arriving at a
 *   server started in place of a dead one waits until that server has been up for
 *   RECLAIM_GRACE_MS before it goes on, so it does not mistake a live owner's run for an
 *   abandoned one and roll it back.
 * If the last user is killed, the server stays running until a later process has used it and left.
 */
const LEASE = [7_413_003, 0] as const;
const RECLAIM_GRACE_MS = 3_000;
/**
 * The journal is a few megabytes: 32 MB of buffers hold it, and the server starts about 10 ms
 * sooner than with PostgreSQL's default of 128 MB (measured), which every `serve` start waits for.
 */
const JOURNAL_BUFFERS = '32MB';
/** A leaving user that got stuck holding the exclusive lock must not hold up arrivals for ever. */
const LEASE_WAIT = '30s';

export interface SharedEmbeddedServerOptions {
  dataDir: string;
  /** How long opening waits for a server that is stopping, starting, or cannot start yet. */
  openTimeoutMs: number;
  /**
   * Called by the last user, holding the exclusive lock, just before it stops the server.
   * Tests use it to arrive at exactly that moment.
   */
  beforeStop?: () => Promise<void>;
  /**
   * Called when this process has set the server starting (it starts in processes of its own),
   * so the caller can do its own work meanwhile; not called when the server was running.
   */
  whileStarting?: () => void;
  /**
   * Called while opening, each time a server accepts connections, before this process holds its
   * lease on it: the caller may log its own connections in meanwhile, on `url(database)`. Until
   * the lease is held, another process may stop that server, so such a connection may fail;
   * and a server that cannot be joined is given up for another, on another port.
   */
  whenUp?: (url: (database: string) => string) => void;
}

export interface SharedEmbeddedServer {
  /** Connection string for a database on the server (default: postgres). */
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  /** Stops using the server, and stops the server when no other process uses it. */
  close(): Promise<void>;
}

export async function openSharedEmbeddedServer(options: SharedEmbeddedServerOptions): Promise<SharedEmbeddedServer> {
  // Durable: this is the journal that undoes drills; a power cut must not lose it.
  const cluster = await prepareCluster(options.dataDir, { durable: true });
  const lease = new Lease(cluster, options);
  await lease.join(options.openTimeoutMs, options.whenUp);
  try {
    await lease.graceAfterCrash();
  } catch (error) {
    await lease.close();
    throw error;
  }
  return {
    url: (database) => lease.url(database),
    createDatabase: (name) => lease.createDatabase(name),
    close: () => lease.close(),
  };
}

class Lease {
  private client: pg.Client | undefined;
  private port: number | undefined;
  private rejoining: Promise<void> | undefined;
  private deadPortTried = false;
  private readonly closing = new AbortController();

  constructor(
    private readonly cluster: EmbeddedCluster,
    private readonly options: SharedEmbeddedServerOptions,
  ) {}

  url(database?: string): string {
    return clusterUrl(this.cluster, this.port!, database);
  }

  /** Becomes a user of the running server, starting it when none runs. */
  async join(timeoutMs: number, whenUp?: SharedEmbeddedServerOptions['whenUp']): Promise<void> {
    let lastProblem = '';
    try {
      await pRetry(
        async () => {
          try {
            await this.attempt(whenUp);
          } catch (error) {
            lastProblem = error instanceof Error ? error.message : String(error);
            throw error;
          }
        },
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: 50,
          maxTimeout: 1_000,
          maxRetryTime: timeoutMs,
          signal: this.closing.signal,
        },
      );
    } catch (error) {
      if (this.closing.signal.aborted) return;
      throw new UserError(
        `the embedded PostgreSQL in ${this.cluster.pgdata} could not be started or joined within ${formatDuration(timeoutMs)}: ${lastProblem || String(error)}`,
        `its log is ${this.cluster.logFile}; or set DATABASE_URL (or store.url in the config) to a PostgreSQL server`,
      );
    }
  }

  private async attempt(whenUp: SharedEmbeddedServerOptions['whenUp']): Promise<void> {
    const named = await readPostmaster(this.cluster);
    if (named) {
      whenUp?.((database) => clusterUrl(this.cluster, named.port, database));
      const client = await this.lock(named.port).catch((error: unknown) => {
        if (isAuthenticationFailure(error)) throw new AbortError(error as Error);
        return undefined;
      });
      if (client) return this.hold(client, named.port);
      if (await postmasterAlive(this.cluster.pgdata, named.pid)) throw new Error('the server is starting or stopping');
    }
    // Not while closing: a server started now would have no user to stop it.
    this.closing.signal.throwIfAborted();
    // On the port it had, when it had one: pools of processes that used it reconnect there.
    // A process that never used it tries a dead server's port once (others may be waiting
    // there), then any free port.
    const port = this.port ?? (this.deadPortTried ? undefined : named?.port) ?? (await freePort());
    // Its postmaster.pid still there though its process is gone: it did not shut down, it died.
    const afterCrash = named !== undefined && (await readPostmaster(this.cluster))?.pid === named.pid;
    const started = await startPostmaster(this.cluster, port, { durable: true, afterCrash, whileStarting: this.options.whileStarting, sharedBuffers: JOURNAL_BUFFERS });
    if (!started.ok) {
      if (port === named?.port) this.deadPortTried = true;
      throw new Error(started.reason);
    }
    whenUp?.((database) => clusterUrl(this.cluster, port, database));
    this.hold(await this.lock(port), port);
  }

  /** On the lease's own connection: a connection of its own would cost a login at every start. */
  async createDatabase(name: string): Promise<void> {
    if (!this.client) throw new Error('the embedded PostgreSQL is not joined');
    await createDatabaseWith(this.client, name);
  }

  private async lock(port: number): Promise<pg.Client> {
    // pg loads here, not with this module, so that a server to start is set starting first.
    const { default: pgClient } = await import('pg');
    const client = new pgClient.Client({
      connectionString: clusterUrl(this.cluster, port),
      application_name: `firedrill store user ${process.pid}`,
      connectionTimeoutMillis: 5_000,
      // A setting of the session from its start: no round trip of its own.
      options: `-c lock_timeout=${LEASE_WAIT}`,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select pg_advisory_lock_shared($1, $2)', [...LEASE]);
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  private hold(client: pg.Client, port: number): void {
    this.client = client;
    this.port = port;
    const lost = () => this.lost(client);
    client.on('error', lost);
    client.on('end', lost);
  }

  /** The server went away under a user that still needs it: start it again (or join whoever did). */
  private lost(client: pg.Client): void {
    if (client !== this.client || this.closing.signal.aborted) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.rejoining = this.join(Number.POSITIVE_INFINITY)
      .catch(() => undefined)
      .finally(() => (this.rejoining = undefined));
  }

  /** See RECLAIM_GRACE_MS in the comment at the top. */
  async graceAfterCrash(): Promise<void> {
    const result = await this.client!.query<{ after_crash: boolean; up_ms: string }>(
      `select coalesce(current_setting('firedrill.after_crash', true), '') = 'on' as after_crash,
              extract(epoch from clock_timestamp() - pg_postmaster_start_time()) * 1000 as up_ms`,
    );
    const row = result.rows[0]!;
    const waitMs = RECLAIM_GRACE_MS - Number(row.up_ms);
    if (row.after_crash && waitMs > 0) await sleep(waitMs);
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.rejoining;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.query('select pg_advisory_unlock_shared($1, $2)', [...LEASE]);
      const result = await client.query<{ last: boolean }>('select pg_try_advisory_lock($1, $2) as last', [...LEASE]);
      if (result.rows[0]?.last) {
        await this.options.beforeStop?.();
        await stopPostmaster(this.cluster, 'fast');
      }
    } catch {
      // The server went away meanwhile: there is nothing left to stop.
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function isAuthenticationFailure(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '28P01' || code === '28000';
}
