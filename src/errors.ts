/**
 * A mistake the person at the keyboard can fix: bad configuration, an unknown drill,
 * a refused target. Safe to show on a terminal or in chat; never printed with a stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/**
 * An undo that could not complete after its retries: expected (a database down, a
 * permission removed), so shown without a stack, with what to do next. The run stays
 * active and is journaled as needing attention.
 */
export class UndoIncompleteError extends UserError {
  constructor(
    readonly runId: string,
    reason: string,
  ) {
    super(
      `run ${runId}: the fault may still be in effect. ${reason}`,
      `see the journal with \`firedrill status ${runId.slice(0, 8)}\`; fix the cause, then run \`firedrill recover\``,
    );
    this.name = 'UndoIncompleteError';
  }
}
