import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { findEvent, type UndoAction, type WalPosition } from '../../src/engine/events.js';
import type { Runbook } from '../../src/engine/ports.js';
import { captureTableDefinition } from './capture-table-definition.js';
import { rebuildTable } from './rebuild-table.js';
import { errorText } from './savepoint.js';
import { parseTableName, qualifiedName, type TableDefinition, type TableName } from './table-definition.js';
import { inTransaction } from './transaction.js';

/**
 * How far before the drop's commit the standby is stopped when it is brought forward. It
 * applies a commit once its own clock reaches the commit's time plus the delay, and the wait
 * is read from that same clock, so the servers' clocks disagreeing does not matter; this
 * covers firedrill's timer firing late (a loaded machine) and the pause request's way there.
 * Commits in the last second before the drop are lost, and measured as lost.
 */
export const CATCH_UP_MARGIN_MS = 1_000;

export interface DelayedReplicaRescueOptions {
  /** The primary, on a connection of its own (the engine's `connectForChanges`). */
  connectPrimary: () => Promise<pg.Client>;
  /** The standby, on a connection of its own without a statement timeout. */
  connectReplica: () => Promise<pg.Client>;
  replicaLabel: string;
  table: string;
  /** Recorded before the standby is paused: the undo that resumes its replay even after a crash. */
  resumeUndo: UndoAction;
}

interface ReplayState {
  replayed: string | null;
  past_drop: boolean | null;
  present: boolean;
  replayed_at: Date | null;
  standby_now: Date;
  delay_ms: string;
  pause_state: string;
}

/**
 * The rescue DBAs use after a DROP TABLE: pause the delayed standby before it applies the
 * drop, let it replay up to just before the drop, copy the table from it back to the
 * primary, resume replay. The drop's position comes from the run's `injected` event.
 *
 * A standby's recovery target cannot change while it runs, so "just before the drop" is
 * reached by time: it applies each commit `recovery_min_apply_delay` after the commit's time,
 * so replay is resumed and paused again when its clock reaches the drop's time plus the delay,
 * less CATCH_UP_MARGIN_MS. The wait is part of the recovery, and of the RTO.
 */
export function rescueFromDelayedReplicaRunbook(options: DelayedReplicaRescueOptions): Runbook {
  const table = parseTableName(options.table);
  const label = `${table.schema}.${table.table}`;
  return {
    description: `pause the delayed replica ${options.replicaLabel} before it applies the drop, copy ${label} from it back to the primary, resume replay`,
    async run(signal, run) {
      const injected = findEvent(await run.events(), 'injected');
      const drop = injected?.walPosition;
      const watched: Watched = { tableSql: qualifiedName(table), drop };
      const replica = await options.connectReplica();
      try {
        await run.undoRecorded(options.resumeUndo);
        const notes: string[] = [];
        try {
          let state = await pauseReplay(replica, watched);
          refuseIfApplied(state, label, options.replicaLabel, drop);
          if (drop) {
            const caughtUp = await catchUp(replica, state, { ...watched, drop }, signal);
            if (caughtUp) {
              state = caughtUp.state;
              if (!state.present || state.past_drop) {
                throw new Error(
                  `the delayed replica ${options.replicaLabel} applied the drop of ${label} while firedrill let it replay up to just before it: ` +
                    `the pause came ${caughtUp.lateMs} ms after the planned moment (a margin of ${CATCH_UP_MARGIN_MS} ms); restore from a backup instead. Replay is resumed`,
                );
              }
            }
          } else {
            notes.push('the journal does not say where the drop is in the WAL, so the standby stayed where it was paused');
          }
          if (signal.aborted) throw new Error('the rescue was stopped before the copy: the run was aborted or reached maxDuration');
          const rows = await copyBack(replica, options.connectPrimary, table);
          notes.unshift(`copied ${rows} rows of ${label} from the delayed replica ${options.replicaLabel} back to the primary`, held(state, drop));
        } finally {
          // Once the table is back (or the rescue failed), the standby follows the primary again.
          await replica.query('select pg_wal_replay_resume()').catch(() => undefined);
        }
        return [...notes, 'replay resumed'].join('; ');
      } finally {
        await replica.end().catch(() => undefined);
      }
    },
  };
}

/** The table whose presence on the standby says whether it applied the drop, and where the drop is. */
interface Watched {
  tableSql: string;
  drop: WalPosition | undefined;
}

/** Pauses replay and reads where it stopped. */
async function pauseReplay(replica: pg.Client, watched: Watched): Promise<ReplayState> {
  await replica.query('select pg_wal_replay_pause()');
  // A record being applied when the pause came is finished first. A commit waiting for its
  // delay is not applied (the pause is checked before it), though the state says
  // "pause requested" until its time comes: so this waits briefly, not until "paused".
  const deadline = performance.now() + 1_000;
  for (;;) {
    const state = await readReplay(replica, watched);
    if (state.pause_state === 'paused' || performance.now() >= deadline) return state;
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function readReplay(replica: pg.Client, { tableSql, drop }: Watched): Promise<ReplayState> {
  const result = await replica.query<ReplayState>(
    `select pg_last_wal_replay_lsn()::text as replayed,
            pg_last_wal_replay_lsn() >= $1::pg_lsn as past_drop,
            to_regclass($2) is not null as present,
            pg_last_xact_replay_timestamp() as replayed_at,
            clock_timestamp() as standby_now,
            (select setting from pg_settings where name = 'recovery_min_apply_delay') as delay_ms,
            pg_get_wal_replay_pause_state() as pause_state`,
    [drop?.after ?? null, tableSql],
  );
  return result.rows[0]!;
}

function refuseIfApplied(state: ReplayState, label: string, replicaLabel: string, drop: WalPosition | undefined): void {
  if (state.present && !state.past_drop) return;
  const where = drop ? ` (it replayed up to ${state.replayed ?? '?'}; the drop committed between ${drop.before} and ${drop.after})` : '';
  throw new Error(
    `too late: the delayed replica ${replicaLabel} had already applied the drop of ${label}${where}, so it no longer has the table. ` +
      'Its delay must exceed the time it takes to notice the drop; restore from a backup instead. Replay is resumed',
  );
}

/**
 * Lets the standby apply everything committed up to CATCH_UP_MARGIN_MS before the drop, then
 * pauses it again. Undefined when it is that close already.
 */
async function catchUp(
  replica: pg.Client,
  paused: ReplayState,
  watched: Watched & { drop: WalPosition },
  signal: AbortSignal,
): Promise<{ state: ReplayState; lateMs: number } | undefined> {
  const stopAt = Date.parse(watched.drop.at) + Number(paused.delay_ms) - CATCH_UP_MARGIN_MS;
  // The standby's own clock decides when it applies a commit, so the wait is read from it.
  const waitMs = stopAt - paused.standby_now.getTime();
  if (waitMs <= 0 || signal.aborted) return undefined;
  await replica.query('select pg_wal_replay_resume()');
  let pausedAt: Date;
  try {
    await abortableSleep(waitMs, signal);
  } finally {
    const pause = await replica.query<{ at: Date }>('select pg_wal_replay_pause(), clock_timestamp() as at');
    pausedAt = pause.rows[0]!.at;
  }
  return { state: await pauseReplay(replica, watched), lateMs: Math.max(0, pausedAt.getTime() - stopAt) };
}

/**
 * Creates the table on the primary from its definition on the standby and streams the rows
 * across (binary COPY: same server version, same types), keys and indexes built after the
 * load, all in one transaction on the primary. The standby's side is one snapshot; replay is
 * paused, so nothing changes under it anyway.
 */
async function copyBack(replica: pg.Client, connectPrimary: () => Promise<pg.Client>, table: TableName): Promise<number> {
  const label = `${table.schema}.${table.table}`;
  const primary = await connectPrimary();
  try {
    await replica.query('begin isolation level repeatable read read only');
    try {
      const definition = await captureTableDefinition(replica, label);
      const rows = await inTransaction(primary, async () => {
        const exists = await primary.query<{ present: boolean }>('select to_regclass($1) is not null as present', [qualifiedName(table)]);
        if (exists.rows[0]?.present) {
          throw new Error(`${label} exists on the primary again (restored by someone meanwhile): the rescue never overwrites a table, nothing was copied`);
        }
        const rebuilt = await rebuildTable(primary, definition, table, async () => {
          const columns = columnList(definition);
          const source = replica.query(copyTo(`copy ${qualifiedName(table)} ${columns} to stdout (format binary)`));
          const target = primary.query(copyFrom(`copy ${qualifiedName(table)} ${columns} from stdin (format binary, freeze true)`));
          await pipeline(source, target);
          return target.rowCount;
        });
        return rebuilt.rows;
      });
      await replica.query('commit');
      return rows;
    } catch (error) {
      await replica.query('rollback').catch(() => undefined);
      throw error instanceof Error && !('code' in error) ? error : new Error(`could not copy ${label} back to the primary: ${errorText(error)}`);
    }
  } finally {
    await primary.end().catch(() => undefined);
  }
}

/** What the standby held: its newest commit, and how long before the drop that was. */
function held(state: ReplayState, drop: WalPosition | undefined): string {
  if (!state.replayed_at) return `the standby had replayed up to ${state.replayed ?? '?'}`;
  const before = drop ? `, ${Math.max(0, Date.parse(drop.at) - state.replayed_at.getTime())} ms before the drop` : '';
  return `the standby held commits up to ${state.replayed_at.toISOString()}${before}`;
}

/** Generated columns are computed again; COPY leaves them out both ways. */
function columnList(definition: TableDefinition): string {
  return `(${definition.columns.filter((column) => !column.generated).map((column) => pg.escapeIdentifier(column.name)).join(', ')})`;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
  });
}
