import { systemClock, type Clock } from '../engine/clock.js';
import { createLogger, type Logger } from '../log.js';
import { secrets } from '../secrets/redactor.js';

/** Everything a command needs, read once; `env` is passed in so tests can give their own. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  log: Logger;
  clock: Clock;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Kept apart from the commands' helpers so that `firedrill --help` loads no more than this. */
export function defaultContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  return {
    env,
    log: createLogger(env.FIREDRILL_LOG_LEVEL ?? 'warn'),
    clock: systemClock(),
    // Whatever a command prints passes the redactor: a secret in an error or a scorecard is masked.
    out: (text) => process.stdout.write(secrets.redact(text)),
    err: (text) => process.stderr.write(secrets.redact(text)),
  };
}
