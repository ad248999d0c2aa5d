import type pg from 'pg';
import type { Drill, Probe as ProbeSpec } from '../catalogue/drill-schema.js';
import type { Probe, RpoMarker, Runbook } from '../engine/ports.js';
import { commandProbe } from '../probes/command-probe.js';
import { runShellCommand, type Shell } from '../probes/shell-command.js';
import { httpProbe } from '../probes/http-probe.js';
import { prometheusProbe } from '../probes/prometheus-probe.js';
import { resolveSecret } from '../catalogue/secrets.js';
import { PROBE_TIMEOUT_MS } from './kind-runtime.js';
import { canaryMarker, columnMarker, queryMarker } from '../../adapters/postgres/rpo-markers.js';
import { sqlProbe } from '../../adapters/postgres/sql-probe.js';

/** What probes may read: the environment's database, its cluster, and the drill file's shell. */
export interface ProbeSources {
  /** For SQL probes; kinds without a database leave it out. */
  pool?: pg.Pool;
  /** Builds a Kubernetes workloads probe; kinds without a cluster leave it out. */
  workloads?: (name: string) => Probe;
  /** Command probes run in it: the drill file's folder, with the run's variables, journaled. */
  shell: Shell;
}

/** The drill's steady-state probes, verification checks and guards, built from its spec. */
export function drillProbes(drill: Drill, sources: ProbeSources): { steadyState: Probe[]; verify: Probe[]; guards: Probe[] } {
  return {
    steadyState: drill.steadyState.probes.map((spec, index) => probeFor(spec, `probe ${index + 1}`, sources)),
    verify: drill.verify.map((spec, index) => probeFor(spec, `check ${index + 1}`, sources)),
    guards: drill.guards.map((spec, index) => probeFor(spec, `guard ${index + 1}`, sources)),
  };
}

/** Every probe the drill names, for runtimes that connect only to what the probes read. */
export function allProbeSpecs(drill: Drill): ProbeSpec[] {
  return [...drill.steadyState.probes, ...drill.verify, ...drill.guards];
}

function probeFor(spec: ProbeSpec, fallbackName: string, sources: ProbeSources): Probe {
  const name = spec.name ?? (spec.type === 'kubernetes-workloads' ? 'workloads Ready' : fallbackName);
  switch (spec.type) {
    case 'sql':
      if (!sources.pool) return { name, check: async () => ({ ok: false, detail: 'SQL probes need a postgres: section in the environment' }) };
      return sqlProbe(sources.pool, name, spec.query, PROBE_TIMEOUT_MS);
    case 'http':
      return httpProbe(name, spec.url, spec.expectStatus, PROBE_TIMEOUT_MS);
    case 'command':
      return commandProbe(name, spec.run, PROBE_TIMEOUT_MS, sources.shell);
    case 'prometheus': {
      const { token } = spec;
      // Read at each check, from the run's environment: a secret missing at preflight refuses the run and says which.
      const readToken = token && (() => resolveSecret(token, sources.shell.cwd, sources.shell.env));
      return prometheusProbe(name, { ...spec, token: readToken }, PROBE_TIMEOUT_MS);
    }
    case 'kubernetes-workloads':
      if (!sources.workloads) return { name, check: async () => ({ ok: false, detail: 'kubernetes-workloads probes need a Kubernetes drill (lose-node, delete-cluster) and a kubernetes: section in the environment' }) };
      return sources.workloads(name);
  }
}

export function rpoMarkerFor(spec: NonNullable<Drill['rpo']>, pool: pg.Pool, runId: string): RpoMarker {
  switch (spec.marker) {
    case 'canary':
      return canaryMarker(pool, spec.table, spec.interval, runId);
    case 'column':
      return columnMarker(pool, spec.table, spec.column);
    case 'query':
      return queryMarker(pool, spec.query);
  }
}

/** The drill's automated recovery when it is a shell command (run in `shell`), else undefined. */
const RUNBOOK_BACKSTOP_MS = 60_000;

export function commandRunbookFor(drill: Drill, shell: Shell): Runbook | undefined {
  if (drill.recovery.mode !== 'automated' || drill.recovery.runbook.action !== 'command') return undefined;
  // The run's maxDuration ends a runbook (and says so); its own timeout is only a backstop, later.
  return commandRunbook(drill.recovery.runbook.run, drill.maxDuration + RUNBOOK_BACKSTOP_MS, shell);
}

/** An automated recovery that is a shell command: done when it exits 0; ended (its group) when the run stops watching. */
function commandRunbook(command: string, timeoutMs: number, shell: Shell): Runbook {
  return {
    description: `run \`${command}\``,
    async run(signal) {
      const result = await runShellCommand(command, shell, { role: 'runbook', timeoutMs, signal, tailLines: 1 });
      if (result.status === 'aborted') throw new Error('the runbook command was ended before it finished: the run was aborted or reached maxDuration');
      if (!result.ok) throw new Error(`the runbook command failed: ${result.tail || result.status}`);
      return result.tail || result.status;
    },
  };
}
