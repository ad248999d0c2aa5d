import { UserError } from '../errors.js';
import { FOLLOW_UP_EVENTS, type EventType } from './events.js';

/**
 * A finished run's journal takes follow-ups only (learnings, action items). What raced the run's
 * end (an alert or a person's signal arriving as it finishes) meets this: for a person, the run is
 * simply over, so it is said as a UserError.
 */
export class ScoredRunError extends UserError {
  constructor(
    readonly runId: string,
    readonly type: EventType,
  ) {
    super(
      `run ${runId} is scored and finished: its journal takes only ${FOLLOW_UP_EVENTS.join(', ')}, not ${type}`,
      `see its scorecard with \`firedrill scorecards ${runId.slice(0, 8)}\`, or add what you learned with \`learned ${runId.slice(0, 8)} <text>\``,
    );
    this.name = 'ScoredRunError';
  }
}
