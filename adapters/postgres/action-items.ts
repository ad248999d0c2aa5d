import type pg from 'pg';
import type { ActionItemFilter } from '../../src/engine/ports.js';
import type { ActionItem } from '../../src/followups/follow-ups.js';

const DEFAULT_LIMIT = 100;

interface ActionRow {
  run_id: string;
  at: Date;
  body: { id: string; text: string; owner: string | null; due: string | null; by: string };
  done_at: Date | null;
  done_by: string | null;
}

/**
 * Action items are read from the journal, where they are `action-added` events with their
 * first `action-done`; the partial indexes of migration 4 keep both lookups off a table scan.
 */
const ACTION_ITEMS = `
  select added.run_id, added.at, added.body, done.at as done_at, done.body->>'by' as done_by
    from firedrill_run_events added
    join firedrill_runs runs on runs.id = added.run_id
    left join lateral (
      select at, body from firedrill_run_events
       where type = 'action-done' and body->>'id' = added.body->>'id'
       order by seq limit 1
    ) done on true
   where added.type = 'action-added'`;

export async function queryActionItems(pool: pg.Pool, filter: ActionItemFilter): Promise<ActionItem[]> {
  const result = await pool.query<ActionRow>(
    `${ACTION_ITEMS}
       and ($1::text is null or runs.environment = $1)
       and ($2::boolean is null or (done.at is null) = $2)
     order by done.at is not null, added.body->>'due' asc nulls last, added.seq desc
     limit $3`,
    [filter.environment ?? null, filter.open ?? null, filter.limit ?? DEFAULT_LIMIT],
  );
  return result.rows.map(toActionItem);
}

export async function queryActionItem(pool: pg.Pool, id: string): Promise<ActionItem | undefined> {
  const result = await pool.query<ActionRow>(`${ACTION_ITEMS} and added.body->>'id' = $1`, [id]);
  return result.rows[0] && toActionItem(result.rows[0]);
}

function toActionItem(row: ActionRow): ActionItem {
  return {
    id: row.body.id,
    runId: row.run_id,
    text: row.body.text,
    owner: row.body.owner,
    due: row.body.due,
    createdBy: row.body.by,
    createdAt: row.at.toISOString(),
    doneAt: row.done_at?.toISOString() ?? null,
    doneBy: row.done_by,
  };
}
