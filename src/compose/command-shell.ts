import type { Environment } from '../config/config-schema.js';
import { DEFAULT_PROCESS_GRACE_MS } from '../engine/owned-processes.js';
import type { ProcessJournal } from '../engine/ports.js';
import type { Shell } from '../probes/shell-command.js';
import type { ComposeOptions, KindContext, UndoContext } from './kind-runtime.js';

/** Which run a command serves: it is told in FIREDRILL_RUN_ID, FIREDRILL_DRILL and FIREDRILL_ENVIRONMENT. */
export interface RunIdentity {
  runId: string;
  drillId: string;
  environmentName: string;
}

/** How long a command gets between SIGTERM and SIGKILL when firedrill ends it in this environment. */
export function commandGraceMs(environment: Environment): number {
  return environment.commandGrace ?? DEFAULT_PROCESS_GRACE_MS;
}

/** Where a drill's own commands run: the folder of its file, so `./flags.sh` means the script beside it. */
export function drillFolder(drillId: string, options: ComposeOptions): string {
  return options.drillFolder?.(drillId) ?? options.configDir;
}

/**
 * A shell for one run's commands. The run's variables come last: a firedrill started from
 * inside another drill's command must not pass that run's id on.
 */
export function runShell(input: {
  cwd: string;
  identity: RunIdentity;
  environment: Environment;
  options: ComposeOptions;
  processes: ProcessJournal;
}): Shell {
  const { identity } = input;
  return {
    cwd: input.cwd,
    env: {
      ...input.options.env,
      FIREDRILL_RUN_ID: identity.runId,
      FIREDRILL_DRILL: identity.drillId,
      FIREDRILL_ENVIRONMENT: identity.environmentName,
    },
    processes: input.processes,
    graceMs: commandGraceMs(input.environment),
  };
}

/** The shell of the commands a drill file names (inject, command probes and runbooks): in its folder. */
export function drillShell(drillId: string, context: KindContext): Shell {
  return runShell({
    cwd: drillFolder(drillId, context.options),
    identity: { runId: context.runId, drillId, environmentName: context.environmentName },
    environment: context.environment,
    options: context.options,
    processes: context.processes,
  });
}

/** The shell of an undo command, in `cwd` (recorded with it), for the run being undone. */
export function undoShell(cwd: string, context: UndoContext): Shell {
  return runShell({
    cwd,
    identity: { runId: context.run.runId, drillId: context.run.drillId, environmentName: context.environmentName },
    environment: context.environment,
    options: context.options,
    processes: context.run.processes,
  });
}
