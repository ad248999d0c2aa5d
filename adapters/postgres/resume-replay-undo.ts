import type pg from 'pg';

/**
 * The undo a rescue records before it pauses the delayed standby: replay resumes, even if
 * firedrill died while it was paused. Idempotent; a standby promoted meanwhile has no replay.
 */
export async function resumeReplay(replica: pg.ClientBase, label: string): Promise<string> {
  const result = await replica.query<{ in_recovery: boolean; pause_state: string | null }>(
    'select pg_is_in_recovery() as in_recovery, case when pg_is_in_recovery() then pg_get_wal_replay_pause_state() end as pause_state',
  );
  const { in_recovery: inRecovery, pause_state: pauseState } = result.rows[0]!;
  if (!inRecovery) return `${label} is no longer a standby (promoted): no replay to resume`;
  if (pauseState === 'not paused') return `replay on ${label} is not paused; nothing to resume`;
  await replica.query('select pg_wal_replay_resume()');
  return `replay resumed on ${label}`;
}
