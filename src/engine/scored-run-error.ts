import { FOLLOW_UP_EVENTS, type EventType } from './events.js';

/**
 * A finished run's journal takes follow-ups only (learnings, action items). Something that raced
 * the run's end (an alert resolving as it finishes) meets this, and has nothing to add.
 */
export class ScoredRunError extends Error {
  override readonly name = 'ScoredRunError';

  constructor(
    readonly runId: string,
    readonly type: EventType,
  ) {
    super(`run ${runId} is scored and finished: its journal takes only ${FOLLOW_UP_EVENTS.join(', ')}, not ${type}`);
  }
}
