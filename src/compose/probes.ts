import type pg from 'pg';
import type { Drill, Probe as ProbeSpec } from '../catalogue/drill-schema.js';
import type { Probe, RpoMarker, Runbook } from '../engine/ports.js';
import { commandProbe } from '../probes/command-probe.js';
import { httpProbe } from '../probes/http-probe.js';
import { PROBE_TIMEOUT_MS } from './kind-runtime.js';
import { canaryMarker, columnMarker, queryMarker } from '../../adapters/postgres/rpo-markers.js';
import { sqlProbe } from '../../adapters/postgres/sql-probe.js';

/**
 * `pool` is the environment's database, for SQL probes; `workloads` builds a Kubernetes
 * workloads probe. Kinds without a database or a cluster pass undefined.
 */
export function probeFor(spec: ProbeSpec, fallbackName: string, pool: pg.Pool | undefined, workloads?: (name: string) => Probe): Probe {
  const name = spec.name ?? (spec.type === 'kubernetes-workloads' ? 'workloads Ready' : fallbackName);
  switch (spec.type) {
    case 'sql':
      if (!pool) return { name, check: async () => ({ ok: false, detail: 'SQL probes need a postgres: section in the environment' }) };
      return sqlProbe(pool, name, spec.query);
    case 'http':
      return httpProbe(name, spec.url, spec.expectStatus, PROBE_TIMEOUT_MS);
    case 'command':
      return commandProbe(name, spec.run, PROBE_TIMEOUT_MS);
    case 'kubernetes-workloads':
      if (!workloads) return { name, check: async () => ({ ok: false, detail: 'kubernetes-workloads probes need a Kubernetes drill (lose-node, delete-cluster) and a kubernetes: section in the environment' }) };
      return workloads(name);
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

/** An automated recovery that is a shell command: done when it exits 0. */
export function commandRunbook(command: string, timeoutMs: number): Runbook {
  const probe = commandProbe('runbook', command, timeoutMs);
  return {
    description: `run \`${command}\``,
    async run() {
      const result = await probe.check();
      if (!result.ok) throw new Error(`the runbook command failed: ${result.detail}`);
      return result.detail;
    },
  };
}
