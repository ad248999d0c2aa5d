/**
 * The composition root: with src/cli.ts, the only place in src/ that names adapters. It
 * turns configuration into the ports the engine uses. A drill kind is wired by one
 * KindRuntime in this folder and one line in KIND_RUNTIMES.
 */
import path from 'node:path';
import type { Drill } from '../catalogue/drill-schema.js';
import { DRILL_KINDS } from '../catalogue/drill-kinds.js';
import type { Catalogue } from '../catalogue/load.js';
import type { RuntimeFactory } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { commandGraceMs } from './command-shell.js';
import type { ComposeOptions, KindRuntime } from './kind-runtime.js';
import { ownValue } from '../catalogue/own.js';
import { notificationDispatcher } from './notifiers.js';
import { createLogger } from '../log.js';

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

export { openStore, type OpenedStore, type StoreOpening } from './store.js';
