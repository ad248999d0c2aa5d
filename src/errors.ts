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
