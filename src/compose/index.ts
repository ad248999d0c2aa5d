/**
 * The composition root: with src/cli.ts, the only place in src/ that names adapters. It
 * turns configuration into the ports the engine uses. A drill kind is wired by one
 * KindRuntime in this folder and one line in KIND_RUNTIMES.
 */
import path, { join } from 'node:path';
import type { SecretRef } from '../catalogue/secret-ref.js';
import type { Drill } from '../catalogue/drill-schema.js';
import { DRILL_KINDS } from '../catalogue/drill-kinds.js';
import { resolveSecret, type Catalogue } from '../catalogue/load.js';
import type { RunStore, RuntimeFactory } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { stateDir } from '../state-dir.js';
import { commandGraceMs } from './command-shell.js';
import type { ComposeOptions, KindRuntime } from './kind-runtime.js';
import type { ScheduleStore } from '../schedule/ports.js';
import { ownValue } from '../catalogue/own.js';
import { maskUrlPasswords, secrets } from '../secrets/redactor.js';
import { storeOutageLimitMs } from './store-outage-limit.js';
import { storesLoggingIn } from './stores-logging-in.js';
import { notificationDispatcher } from './notifiers.js';
import { createLogger } from '../log.js';
import type { LeaderLockOptions } from '../../adapters/postgres/leader-lock.js';
import type { LeaderElector } from '../server/leader-elector.js';
import type { DeliveryClaims } from '../chat/adapter.js';
import type { RunHistory, RunTallies, RunTrends } from '../history/ports.js';

export type { ComposeOptions } from './kind-runtime.js';

/**
 * Each kind's wiring is loaded when a drill of that kind runs, is planned or is undone, so that
 * a command loads only the SDKs it uses: the Kubernetes client for Kubernetes drills only,
 * openpgp and the S3 client for key-holder drills only.
 */
export const KIND_RUNTIMES: { [K in Drill['kind']]?: () => Promise<KindRuntime<K>> } = {
  'drop-table': async () => (await import('./drop-table-runtime.js')).dropTableRuntime,
  'key-holder-unavailable': async () => (await import('./key-holder-runtime.js')).keyHolderRuntime,
  'lose-node': async () => (await import('./lose-node-runtime.js')).loseNodeRuntime,
  'delete-cluster': async () => (await import('./delete-cluster-runtime.js')).deleteClusterRuntime,
  command: async () => (await import('./command-runtime.js')).commandRuntime,
};

/**
 * The kind that records each undo action, so that undoing one loads that kind alone. A unit test
 * holds it equal to the kinds' own `undo` tables.
 */
export const UNDO_ACTION_KINDS: Readonly<Record<string, Drill['kind']>> = {
  'restore-table': 'drop-table',
  'resume-delayed-replica': 'drop-table',
  'delete-challenge': 'key-holder-unavailable',
  'uncordon-node': 'lose-node',
  'recreate-node': 'lose-node',
  'restore-namespaces': 'delete-cluster',
  'rebuild-cluster': 'delete-cluster',
  'run-undo-command': 'command',
};

async function kindRuntime(kind: string): Promise<KindRuntime | undefined> {
  const load = ownValue(KIND_RUNTIMES as Record<string, () => Promise<KindRuntime>>, kind);
  return load?.();
}

/**
 * The factory for a loaded config: secrets and key files resolve relative to it, with its trust
 * circle; a drill's own commands run in the folder of the drill file.
 */
export function runtimeFactoryFor(catalogue: Catalogue, env: NodeJS.ProcessEnv): RuntimeFactory {
  const { attempts, firstDelay, maxDelay } = catalogue.config.undo;
  // Resolved now: a relative file name means the folder firedrill was started in.
  const folders = new Map([...catalogue.drills].map(([id, entry]) => [id, path.dirname(path.resolve(entry.file))]));
  return runtimeFactory({
    configDir: catalogue.configDir,
    env,
    trust: catalogue.config.trust,
    configPath: catalogue.configPath,
    undoRetry: { attempts, firstDelayMs: firstDelay, maxDelayMs: maxDelay },
    drillFolder: (drillId) => folders.get(drillId),
    notify: catalogue.config.notify,
  });
}

export function runtimeFactory(options: ComposeOptions): RuntimeFactory {
  const notify = options.notify ?? [];
  const log = () => options.log ?? createLogger(options.env.FIREDRILL_LOG_LEVEL ?? 'warn');
  return {
    undoRetry: options.undoRetry,
    runEvents: notify.length ? notificationDispatcher(notify, { configDir: options.configDir, env: options.env, log: log(), policy: options.notifyPolicy }) : undefined,
    async runtimeFor(drill, environmentName, environment, runId, processes) {
      const kind = await kindRuntime(drill.kind);
      if (!kind) {
        const runnable = DRILL_KINDS.filter((name) => KIND_RUNTIMES[name]);
        throw new UserError(
          `drill kind "${drill.kind}" cannot run in this version of firedrill`,
          `kinds that run: ${runnable.join(', ')}`,
        );
      }
      return kind.build(drill, { environmentName, environment, runId, options, processes });
    },

    async undoerFor(environmentName, environment, run) {
      return {
        async undo(action) {
          const kindName = ownValue(UNDO_ACTION_KINDS, action.action);
          const kind = kindName && (await kindRuntime(kindName));
          const handler = kind && ownValue(kind.undo, action.action);
          if (handler) return handler(action.params, { environmentName, environment, options, run });
          throw new Error(`no undo named "${action.action}" in this version of firedrill`);
        },
        processGraceMs: commandGraceMs(environment),
        close: async () => undefined,
      };
    },
  };
}

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
  const storeOptions = { outageLimitMs, connections: opening.connections };
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

