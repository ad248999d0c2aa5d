import { findEvents, type RunEvent } from '../engine/events.js';

/** Something to do because of what a run showed, tracked to closure (`done <id>`). */
export interface ActionItem {
  /** Short and typeable, unique in the store (see action-id.ts). */
  id: string;
  runId: string;
  text: string;
  /** An @mention as the person wrote it (`@alice`, `<@U123>`, `@bob:example.org`), or null. */
  owner: string | null;
  /** YYYY-MM-DD, or null. */
  due: string | null;
  createdBy: string;
  createdAt: string;
  doneAt: string | null;
  doneBy: string | null;
}

/** What a person learned from a run. */
export interface Learning {
  runId: string;
  text: string;
  by: string;
  at: string;
}

/**
 * A run's learnings and action items, as its journal has them: in the order they were added,
 * each action done at its first `action-done` (a second one changes nothing). `runId`: the run the
 * events belong to (events do not carry it).
 */
export function followUpsOf(events: readonly RunEvent[], runId: string): { learnings: Learning[]; actions: ActionItem[] } {
  const learnings = findEvents(events, 'learning-added').map(({ text, by, at }) => ({ runId, text, by, at }));
  const done = new Map<string, { at: string; by: string }>();
  for (const event of findEvents(events, 'action-done')) if (!done.has(event.id)) done.set(event.id, { at: event.at, by: event.by });
  const actions = findEvents(events, 'action-added').map((event): ActionItem => ({
    id: event.id,
    runId,
    text: event.text,
    owner: event.owner,
    due: event.due,
    createdBy: event.by,
    createdAt: event.at,
    doneAt: done.get(event.id)?.at ?? null,
    doneBy: done.get(event.id)?.by ?? null,
  }));
  return { learnings, actions };
}
