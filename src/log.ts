import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, wherever they sit in the logged object. */
const SECRET_PATHS = [
  'password', 'token', 'secret', 'authorization', 'url', 'connectionString', 'privateKey',
  '*.password', '*.token', '*.secret', '*.authorization', '*.url', '*.connectionString', '*.privateKey',
  'headers.authorization', '*.headers.authorization', 'req.headers.authorization',
];

/** One logger: JSON lines on stderr, so stdout stays for scorecards and `--json`. */
export function createLogger(level: string = process.env.FIREDRILL_LOG_LEVEL ?? 'warn'): Logger {
  return pino({ level, redact: { paths: SECRET_PATHS, censor: '[redacted]' } }, pino.destination(2));
}
