import type pg from 'pg';
import type { RunResult, RunTallies, RunTally } from '../../src/history/ports.js';
import { withTransaction } from './transaction.js';

/** A scrape must not wait on a slow store: past this the server cancels the query and the scrape says so. */
const TALLY_TIMEOUT_MS = 5_000;

interface TallyRow {
  environment: string;
  drill: string;
  result: RunResult;
  runs: string;
  ttd_met: string;
  ttd_missed: string;
  rto_met: string;
  rto_missed: string;
  rpo_met: string;
  rpo_missed: string;
}

/**
 * One pass over the finished runs (the result and met_* columns of migration 4), grouped by
 * environment, drill and result. Its cost grows with the number of runs (about a sequential
 * scan); see README, Metrics, for the figures at 100,000 runs.
 */
export function postgresRunTallies(pool: pg.Pool): RunTallies {
  return {
    async tallies(): Promise<RunTally[]> {
      const result = await withTransaction(pool, async (client) => {
        await client.query(`set local statement_timeout = ${TALLY_TIMEOUT_MS}`);
        return client.query<TallyRow>(
          `select environment, drill, result, count(*) as runs,
                  count(*) filter (where met_ttd) as ttd_met, count(*) filter (where not met_ttd) as ttd_missed,
                  count(*) filter (where met_rto) as rto_met, count(*) filter (where not met_rto) as rto_missed,
                  count(*) filter (where met_rpo) as rpo_met, count(*) filter (where not met_rpo) as rpo_missed
             from firedrill_runs
            where result is not null
            group by environment, drill, result
            order by environment, drill, result`,
        );
      });
      return result.rows.map((row) => ({
        environment: row.environment,
        drill: row.drill,
        result: row.result,
        runs: Number(row.runs),
        objectives: {
          ttd: { met: Number(row.ttd_met), missed: Number(row.ttd_missed) },
          rto: { met: Number(row.rto_met), missed: Number(row.rto_missed) },
          rpo: { met: Number(row.rpo_met), missed: Number(row.rpo_missed) },
        },
      }));
    },
  };
}
