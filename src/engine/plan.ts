import { effectiveDrill, type DrillCatalogue } from '../catalogue/effective.js';
import type { Drill } from '../catalogue/drill-schema.js';
import { recoveryIntervalOf } from '../catalogue/recovery-interval.js';
import { ownValue } from '../catalogue/own.js';
import { environmentRefusal } from './environment-guard.js';
import type { ProcessJournal, RuntimeFactory } from './ports.js';

export interface PlanDeps {
  catalogue: DrillCatalogue;
  runtimes: RuntimeFactory;
}

/**
 * What a run of a drill in an environment would do, in order, without doing any of it: the one
 * dry run that `firedrill plan` (text or JSON) and chat's `plan` render, each in its own way.
 */
export interface RunPlan {
  drill: { id: string; title: string; kind: Drill['kind']; severity: Drill['severity'] };
  environment: string;
  /** Why the environment itself would refuse the run (protected, production-looking), else null. */
  refusal: string | null;
  /** Read-only checks before anything changes; any failure refuses the run. */
  preflight: {
    steadyState: string[];
    /** What the drill must not hurt: checked from preflight until the undo is done; one red aborts. */
    guards: string[];
    approval: { required: boolean; approvers: readonly string[] };
  };
  /** The undo is journaled first; then these actions, in order. */
  inject: string[];
  rpoMarker: string | null;
  detection: { alerts: { source: string; match: string[] }[]; people: boolean };
  recovery: { mode: 'manual'; runbook: null; trigger: null } | { mode: 'automated'; runbook: string; trigger: 'on-detection' | 'immediately' };
  /** Service counts as back when the steady-state probes stay green this long, checked this often. */
  recoveredWhen: { probes: string[]; stableForMs: number; checkEveryMs: number };
  verify: string[];
  /** Whatever is still in effect is undone at the end; at `maxDurationMs` or on abort, at once. */
  undo: { maxDurationMs: number };
  objectives: { ttdMs: number | null; rtoMs: number | null; rpoMs: number | null };
}

/** A plan builds the runtime to describe it and never runs a command; if one ever did, it fails loudly. */
const PLAN_RUNS_NO_COMMANDS: ProcessJournal = {
  started: async () => {
    throw new Error('a plan runs no commands');
  },
  ended: async () => undefined,
};

/**
 * The dry run of `drillId` in `environmentName`: nothing is connected to, nothing changes.
 * Throws a UserError, with did-you-mean, for an unknown drill or environment.
 */
export async function planRun(deps: PlanDeps, drillId: string, environmentName: string): Promise<RunPlan> {
  const drill = effectiveDrill(deps.catalogue, drillId, environmentName);
  const environment = ownValue(deps.catalogue.config.environments, environmentName)!;
  const runtime = await deps.runtimes.runtimeFor(drill, environmentName, environment, 'planned-run', PLAN_RUNS_NO_COMMANDS);
  try {
    const steadyState = runtime.steadyState.map((probe) => probe.name);
    const { recovery } = drill;
    return {
      drill: { id: drill.id, title: drill.title, kind: drill.kind, severity: drill.severity },
      environment: environmentName,
      refusal: environmentRefusal(environmentName, environment) ?? null,
      preflight: {
        steadyState,
        guards: (runtime.guards ?? []).map((probe) => probe.name),
        approval: { required: drill.requiresApproval, approvers: drill.requiresApproval ? (environment.chat?.approve ?? []) : [] },
      },
      inject: runtime.fault.plan(),
      rpoMarker: runtime.rpo?.description ?? null,
      detection: { alerts: drill.detection.alerts.map(({ source, match }) => ({ source, match })), people: drill.detection.chat },
      recovery:
        recovery.mode === 'automated' && runtime.runbook
          ? { mode: 'automated', runbook: runtime.runbook.description, trigger: recovery.trigger }
          : { mode: 'manual', runbook: null, trigger: null },
      recoveredWhen: { probes: steadyState, stableForMs: drill.steadyState.stableFor, checkEveryMs: recoveryIntervalOf(drill.steadyState) },
      verify: runtime.verify.map((probe) => probe.name),
      undo: { maxDurationMs: drill.maxDuration },
      objectives: { ttdMs: drill.objectives.ttd ?? null, rtoMs: drill.objectives.rto ?? null, rpoMs: drill.objectives.rpo ?? null },
    };
  } finally {
    await runtime.close();
  }
}
