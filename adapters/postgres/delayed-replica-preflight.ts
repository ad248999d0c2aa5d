import type pg from 'pg';
import { formatDuration } from '../../src/catalogue/duration.js';
import type { PreflightCheck } from './drop-table-preflight.js';
import { errorText } from './savepoint.js';
import { qualifiedName, type TableName } from './table-definition.js';

/** How far the standby's recovery_min_apply_delay may be from the declared delay: 10 %, at least one second. */
export function delayTolerance(declaredMs: number): number {
  return Math.max(1_000, declaredMs * 0.1);
}

export interface DelayedReplicaTarget {
  /** The standby, read only here. */
  replica: pg.Pool;
  /** `host:port`, for messages (never the password). */
  replicaLabel: string;
  /** The primary, to compare which cluster the standby copies. */
  primary: pg.Pool;
  declaredDelayMs: number;
  table: TableName;
}

interface StandbyState {
  in_recovery: boolean;
  receiver: string | null;
  receiver_visible: boolean;
  pause_state: string | null;
  delay_ms: string;
  lag_ms: number | null;
  table_present: boolean;
  may_pause: boolean;
  may_resume: boolean;
}

/**
 * What must hold for a rescue from the delayed standby: it is a standby, it streams from
 * this very primary, it applies changes as late as declared (a delay much shorter would
 * apply the drop before anyone notices), its replay is not paused already, and firedrill may
 * pause and resume it.
 */
export async function delayedReplicaPreflight(target: DelayedReplicaTarget): Promise<PreflightCheck[]> {
  const { replicaLabel: label } = target;
  let state: StandbyState;
  try {
    const result = await target.replica.query<StandbyState>(
      `select pg_is_in_recovery() as in_recovery,
              (select status from pg_stat_wal_receiver) as receiver,
              (select count(*) > 0 from pg_stat_wal_receiver) as receiver_visible,
              case when pg_is_in_recovery() then pg_get_wal_replay_pause_state() end as pause_state,
              (select setting from pg_settings where name = 'recovery_min_apply_delay') as delay_ms,
              extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000 as lag_ms,
              to_regclass($1) is not null as table_present,
              has_function_privilege('pg_wal_replay_pause()', 'execute') as may_pause,
              has_function_privilege('pg_wal_replay_resume()', 'execute') as may_resume`,
      [qualifiedName(target.table)],
    );
    state = result.rows[0]!;
  } catch (error) {
    return [{ check: 'delayed replica reachable', ok: false, detail: `could not query the delayed replica ${label}: ${errorText(error)}` }];
  }
  if (!state.in_recovery) {
    return [
      {
        check: 'delayed replica is a standby',
        ok: false,
        detail: `${label} is not a standby (pg_is_in_recovery() is false): postgres.delayedReplica.url must name the delayed standby, not the primary or a promoted copy`,
      },
    ];
  }
  return [
    { check: 'delayed replica is a standby', ok: true, detail: `${label} is in recovery` },
    await streamingCheck(target, state),
    delayCheck(target, state),
    pausedCheck(label, state),
    {
      check: 'firedrill may pause and resume the delayed replica',
      ok: state.may_pause && state.may_resume,
      detail:
        state.may_pause && state.may_resume
          ? 'pg_wal_replay_pause() and pg_wal_replay_resume() may be run'
          : `the role of postgres.delayedReplica.url may not run ${[!state.may_pause && 'pg_wal_replay_pause()', !state.may_resume && 'pg_wal_replay_resume()'].filter(Boolean).join(' and ')}: GRANT EXECUTE ON FUNCTION to it, or use a superuser`,
    },
    {
      check: 'target table on the delayed replica',
      ok: state.table_present,
      detail: state.table_present
        ? `${target.table.schema}.${target.table.table} is on ${label}`
        : `${target.table.schema}.${target.table.table} is not on ${label}: it cannot be rescued from there`,
    },
  ];
}

async function streamingCheck(target: DelayedReplicaTarget, state: StandbyState): Promise<PreflightCheck> {
  const check = 'delayed replica streams from the primary';
  const label = target.replicaLabel;
  if (state.receiver_visible && state.receiver === null) {
    return { check, ok: false, detail: `the role of postgres.delayedReplica.url may not see the standby's WAL receiver: grant it pg_read_all_stats (or pg_monitor)` };
  }
  if (state.receiver !== 'streaming') {
    return {
      check,
      ok: false,
      detail: `the WAL receiver of ${label} is ${state.receiver ?? 'not running'}, not streaming: the standby does not follow the primary now (check its primary_conninfo, and that it reaches the primary)`,
    };
  }
  // The standby's cluster must be a copy of this primary's, not of another database.
  const identifier = 'select system_identifier::text as id from pg_control_system()';
  try {
    const [standby, primary] = await Promise.all([target.replica.query<{ id: string }>(identifier), target.primary.query<{ id: string }>(identifier)]);
    const standbyId = standby.rows[0]?.id;
    const primaryId = primary.rows[0]?.id;
    if (standbyId !== primaryId) {
      return {
        check,
        ok: false,
        detail: `${label} is a standby of another cluster (system identifier ${standbyId ?? '?'}, the primary's is ${primaryId ?? '?'}): point postgres.delayedReplica.url at a standby of postgres.url`,
      };
    }
  } catch (error) {
    return { check, ok: false, detail: `could not compare the standby's and the primary's system identifiers (${errorText(error)}): grant pg_monitor to both roles` };
  }
  return { check, ok: true, detail: `${label} streams from this primary (same system identifier)` };
}

function delayCheck(target: DelayedReplicaTarget, state: StandbyState): PreflightCheck {
  const actual = Number(state.delay_ms);
  const declared = target.declaredDelayMs;
  const tolerance = delayTolerance(declared);
  const lag = state.lag_ms === null ? '' : `; it applied its last commit ${formatDuration(Math.max(0, Math.round(state.lag_ms)))} ago`;
  const ok = Math.abs(actual - declared) <= tolerance;
  return {
    check: 'delayed replica delay',
    ok,
    detail: ok
      ? `recovery_min_apply_delay is ${formatDuration(actual)}, as declared (${formatDuration(declared)})${lag}`
      : `recovery_min_apply_delay on ${target.replicaLabel} is ${actual === 0 ? '0 (no delay)' : formatDuration(actual)}, but postgres.delayedReplica.delay says ${formatDuration(declared)} ` +
        `(allowed: within ${formatDuration(tolerance)}): set one to match the other`,
  };
}

function pausedCheck(label: string, state: StandbyState): PreflightCheck {
  const ok = state.pause_state === 'not paused';
  return {
    check: 'delayed replica replays',
    ok,
    detail: ok
      ? `replay on ${label} is not paused`
      : `replay on ${label} is ${state.pause_state ?? 'unknown'}: someone paused it; resume it (select pg_wal_replay_resume()) or finish what they are doing first`,
  };
}
