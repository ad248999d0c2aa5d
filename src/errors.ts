import { randomUUID } from 'node:crypto';

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

/**
 * Logs an error nobody expected, once, under a short reference a person can quote: the
 * message at error level, the stack only at debug level. Every front end shows the
 * reference instead of the stack (the terminal, chat, an HTTP 500).
 */
export function reportInternalError(
  log: { error(fields: object, message: string): void; debug(fields: object, message: string): void },
  error: unknown,
  fields: Record<string, unknown> = {},
): string {
  const reference = randomUUID().slice(0, 8);
  log.error({ ...fields, reference, error: error instanceof Error ? error.message : String(error) }, 'internal error');
  log.debug({ ...fields, reference, err: error }, 'internal error, with its stack');
  return reference;
}
