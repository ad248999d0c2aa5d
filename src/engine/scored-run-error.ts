import { FOLLOW_UP_EVENTS, type EventType } from './events.js';

/**
 * A run's journal after `scored` takes follow-ups only (learnings, action items). Something that
 * raced the run's end (an alert resolving as it is scored) meets this, and has nothing to add.
 */
export class ScoredRunError extends Error {
  override readonly name = 'ScoredRunError';

  constructor(
    readonly runId: string,
    readonly type: EventType,
  ) {
    super(`run ${runId} is scored: its journal takes only ${FOLLOW_UP_EVENTS.join(', ')}, not ${type}`);
  }
}
