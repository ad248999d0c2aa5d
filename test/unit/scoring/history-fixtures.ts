import type { DrillStanding, RunHistory, RunRecord, RunResult, RunTrends, WeekCell } from '../../../src/history/ports.js';

export const DAY = 86_400_000;

/** A finished run as the history returns it; `met` defaults to what the result implies. */
export function runRecord(fields: Partial<RunRecord> & { drill: string; result: RunResult | null; finishedAt: string | null }): RunRecord {
  const passed = fields.result === 'passed';
  return {
    id: `${fields.drill}-${fields.finishedAt ?? 'running'}`,
    environment: 'staging',
    title: fields.drill,
    kind: 'command',
    severity: 'high',
    requestedBy: 'alice',
    outcome: fields.result === null ? null : passed ? 'pass' : fields.result === 'aborted' ? 'aborted' : fields.result === 'refused' ? 'refused' : 'fail',
    createdAt: fields.finishedAt ?? '2026-01-01T00:00:00.000Z',
    ttdMs: 1_000,
    rtoMs: 10_000,
    rpoMs: null,
    bounds: { ttdMs: null, rtoMs: null, rpoMs: null },
    objectives: { ttdMs: 60_000, rtoMs: 60_000, rpoMs: null },
    met: { ttd: passed, rto: passed, rpo: null },
    ...fields,
  };
}

export function standing(last: RunRecord | null, environment = 'staging'): DrillStanding {
  return {
    environment,
    drill: last?.drill ?? 'none',
    last,
    finishedRuns: last ? 1 : 0,
    passedRuns: last?.result === 'passed' ? 1 : 0,
    lastPassedAt: last?.result === 'passed' ? last.finishedAt : null,
  };
}

/**
 * The RunHistory port over a list of runs, as the port's documentation defines each answer:
 * the reference the store's SQL is checked against, used where a test is about the core.
 */
export function historyOf(all: RunRecord[]): RunHistory & RunTrends {
  const newestFirst = [...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const matching = (filter: Parameters<RunHistory['runs']>[0]) =>
    newestFirst.filter(
      (run) =>
        (!filter.environment || run.environment === filter.environment) &&
        (!filter.drill || run.drill === filter.drill) &&
        (!filter.kind || run.kind === filter.kind) &&
        (!filter.result || run.result === filter.result) &&
        (!filter.from || Date.parse(run.createdAt) >= filter.from.getTime()) &&
        (!filter.to || Date.parse(run.createdAt) < filter.to.getTime()),
    );
  return {
    async runs(filter, page) {
      const runs = matching(filter);
      return { runs: runs.slice((page.page - 1) * page.pageSize, page.page * page.pageSize), total: runs.length, page: page.page, pageSize: page.pageSize };
    },
    async *exportRuns(filter) {
      yield* matching(filter);
    },
    async standings(filter) {
      const finished = newestFirst.filter(
        (run) =>
          run.finishedAt !== null && (!filter.environment || run.environment === filter.environment),
      );
      const keys = [...new Set(finished.map((run) => `${run.environment}\u0000${run.drill}`))];
      return keys.map((key) => {
        const runs = finished.filter((run) => `${run.environment}\u0000${run.drill}` === key);
        const passed = runs.filter((run) => run.result === 'passed');
        return { environment: runs[0]!.environment, drill: runs[0]!.drill, last: runs[0]!, finishedRuns: runs.length, passedRuns: passed.length, lastPassedAt: passed[0]?.finishedAt ?? null };
      });
    },
    async weeks(): Promise<WeekCell[]> {
      throw new Error('not needed by these tests');
    },
    async trend() {
      throw new Error('not needed by these tests');
    },
    async trends() {
      throw new Error('not needed by these tests');
    },
    async countedRunsBefore(environment, instants) {
      return instants.map((at) => {
        const counted = newestFirst
          .filter((run) => run.environment === environment && run.result !== null && run.result !== 'refused' && run.finishedAt !== null && Date.parse(run.finishedAt) < at.getTime())
          .sort((a, b) => b.finishedAt!.localeCompare(a.finishedAt!));
        const drills = [...new Set(counted.map((run) => run.drill))].sort();
        return drills.map((drill) => counted.find((run) => run.drill === drill)!);
      });
    },
  };
}
