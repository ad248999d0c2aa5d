import { systemClock, type Clock } from '../engine/clock.js';
import { lazyLogger, type Logger } from '../log.js';
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
  const log = lazyLogger(env.FIREDRILL_LOG_LEVEL ?? 'warn');
  return {
    env,
    // Made on first use: `--help` and `validate` never log, and pino is a tenth of their start.
    get log() {
      return log();
    },
    clock: systemClock(),
    // Whatever a command prints passes the redactor: a secret in an error or a scorecard is masked.
    out: (text) => process.stdout.write(secrets.redact(text)),
    err: (text) => process.stderr.write(secrets.redact(text)),
  };
}
