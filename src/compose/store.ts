/**
 * The run store of a config (the composition root's part that `serve` needs before anything
 * else: it sets the embedded PostgreSQL starting while the rest of serve loads).
 */
import { join } from 'node:path';
import type { SecretRef } from '../catalogue/secret-ref.js';
import { resolveSecret } from '../catalogue/load.js';
import type { RunStore } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { stateDir } from '../state-dir.js';
import type { ComposeOptions } from './kind-runtime.js';
import type { ScheduleStore } from '../schedule/ports.js';
import { maskUrlPasswords, secrets } from '../secrets/redactor.js';
import { storeOutageLimitMs } from './store-outage-limit.js';
import { storesLoggingIn } from './stores-logging-in.js';
import type { LeaderLockOptions } from '../../adapters/postgres/leader-lock.js';
import type { LeaderElector } from '../server/leader-elector.js';
import type { DeliveryClaims } from '../chat/adapter.js';
import type { RunHistory, RunTallies, RunTrends } from '../history/ports.js';

export interface OpenedStore {
  store: RunStore;
  schedules: ScheduleStore;
  /** Which replica answers a chat event every replica heard. */
  deliveries: DeliveryClaims;
  /** The run history as pages, exports, the digest and metrics read it (aggregated by the store). */
  history: RunHistory & RunTrends;
  /** Totals of finished runs, read by /metrics at each scrape. */
  tallies: RunTallies;
  /** Starts electing a leader among the processes that share this store (an advisory lock on it). */
  leaderLock(options: LeaderLockOptions): Promise<LeaderElector>;
  /** Where it lives, for messages (never with a password). */
  location: string;
  close(): Promise<void>;
}

export interface StoreOpening {
  /**
   * Called at most once, as soon as opening the store waits on other processes (the embedded
   * PostgreSQL starting, a remote server answering), so the caller can use this thread meanwhile.
   */
  whileWaiting?: () => void;
  /** Connections to open side by side at the start (default 1): see RunStoreOptions. */
  connections?: number;
  /** Keeps those connections open while idle (a long-running server): see RunStoreOptions. */
  keepConnectionsOpen?: boolean;
}

/**
 * The run store: the config's `store.url`, else DATABASE_URL, else an embedded PostgreSQL
 * in the state directory, so that nothing needs installing. The embedded one is shared with
 * every other firedrill process using the same state directory; the last to close stops it.
 */
export async function openStore(storeUrl: SecretRef | undefined, options: ComposeOptions, opening: StoreOpening = {}): Promise<OpenedStore> {
  let called = false;
  const whileWaiting = () => {
    if (called) return;
    called = true;
    opening.whileWaiting?.();
  };
  const outageLimitMs = storeOutageLimitMs(options.env);
  const storeOptions = { outageLimitMs, connections: opening.connections, keepConnectionsOpen: opening.keepConnectionsOpen };
  const url = storeUrl ? await resolveSecret(storeUrl, options.configDir, options.env) : options.env.DATABASE_URL;
  if (url) {
    const source = storeUrl ? `store.url of ${options.configPath ?? 'the config'}` : 'DATABASE_URL';
    if (!isPostgresUrl(url)) {
      throw new UserError(`${source} is not a PostgreSQL URL`, 'write it as postgres://user:password@host:5432/database');
    }
    secrets.add(url);
    const location = maskUrlPasswords(url);
    const { openPostgresStores } = await import('../../adapters/postgres/run-store.js');
    try {
      const opened = openPostgresStores(url, storeOptions);
      whileWaiting();
      const { runs: store, schedules, deliveries, history, tallies } = await opened;
      return { store, schedules, deliveries, history, tallies, location, leaderLock: (lock) => startLeaderLockOn(url, lock), close: () => store.close() };
    } catch (error) {
      if (error instanceof UserError) throw error;
      // Expected when the database is down or the URL is wrong: say which store and what to check, no stack.
      throw new UserError(
        `cannot open the run store at ${location} (from ${source}): ${error instanceof Error ? error.message : String(error)}`,
        `check that the database is up and that ${source} names the right host, database, user and password`,
      );
    }
  }
  const dataDir = join(stateDir(options.env), 'store');
  const { openSharedEmbeddedServer } = await import('../../adapters/postgres/shared-embedded-server.js');
  // The stores (and pg) load once the server is set starting: the server comes first.
  let storeModule: Promise<typeof import('../../adapters/postgres/run-store.js')> | undefined;
  const loadStoreModule = () => (storeModule ??= import('../../adapters/postgres/run-store.js'));
  const whileStarting = () => {
    loadStoreModule().catch(() => undefined);
    whileWaiting();
  };
  // Their pool logs in beside the lease's own login, not after it.
  const stores = storesLoggingIn(loadStoreModule, storeOptions);
  const server = await openSharedEmbeddedServer({ dataDir, openTimeoutMs: outageLimitMs, whileStarting, whenUp: (url) => stores.loggingIn(url('firedrill')) }).catch(
    (error: unknown) => {
      stores.abandon();
      throw error;
    },
  );
  try {
    await server.createDatabase('firedrill');
    const { runs: store, schedules, deliveries, history, tallies } = await stores.open(server.url('firedrill'));
    return {
      store,
      schedules,
      deliveries,
      history,
      tallies,
      location: `embedded PostgreSQL in ${dataDir}`,
      leaderLock: (lock) => startLeaderLockOn(server.url('firedrill'), lock),
      close: async () => {
        await store.close();
        await server.close();
      },
    };
  } catch (error) {
    stores.abandon();
    await server.close();
    throw error;
  }
}

/** pg and the lock load with the first election, not with every command that opens a store. */
async function startLeaderLockOn(url: string, options: LeaderLockOptions): Promise<LeaderElector> {
  const { startLeaderLock } = await import('../../adapters/postgres/leader-lock.js');
  return startLeaderLock(url, options);
}

function isPostgresUrl(url: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}
