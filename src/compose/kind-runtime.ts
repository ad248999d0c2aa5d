import type { Environment } from '../config/config-schema.js';
import type { Trust } from '../trust/trust-schema.js';
import type { Drill } from '../catalogue/drill-schema.js';
import type { DrillRuntime, ProcessJournal, UndoRun } from '../engine/ports.js';
import type { UndoRetryPolicy } from '../engine/ports.js';
import type { NotifyChannel } from '../notify/notify-schema.js';
import type { Logger } from '../log.js';
import type { DeliveryPolicy } from '../notify/dispatcher.js';

export interface ComposeOptions {
  /** Secret files are relative to the config file. */
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** The config's circle of trust, for key-holder drills; and the file it came from, for messages. */
  trust?: Trust;
  configPath?: string;
  /** How hard undo actions are retried; the engine's default when left out. */
  undoRetry?: UndoRetryPolicy;
  /**
   * The folder of the file that defines a drill: relative paths in its commands start there.
   * Undefined for a drill that came from no file (built in code): the config file's folder.
   */
  drillFolder?: (drillId: string) => string | undefined;
  /** Who is told about runs (the config's `notify:`), how hard, and where failures are logged. */
  notify?: readonly NotifyChannel[];
  notifyPolicy?: DeliveryPolicy;
  log?: Logger;
}

export interface KindContext {
  environmentName: string;
  environment: Environment;
  runId: string;
  options: ComposeOptions;
  /** Every command the run starts is journaled here as it starts and once it has ended. */
  processes: ProcessJournal;
}

export interface UndoContext {
  environmentName: string;
  environment: Environment;
  options: ComposeOptions;
  /** The run being undone: its ids for the commands' variables, its journal for their processes. */
  run: UndoRun;
}

/** How one drill kind is wired to its adapters: its runtime, and the undo actions it records. */
export interface KindRuntime<K extends Drill['kind'] = Drill['kind']> {
  build(drill: Extract<Drill, { kind: K }>, context: KindContext): Promise<DrillRuntime>;
  /** By undo action name; each must be idempotent. */
  undo: Record<string, (params: Record<string, unknown>, context: UndoContext) => Promise<string>>;
}

export const PROBE_TIMEOUT_MS = 5_000;
