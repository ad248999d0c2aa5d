import pino, { type Logger } from 'pino';
import { REDACTED, secrets } from './secrets/redactor.js';

export type { Logger };

/** Keys whose values never reach a log line, wherever they sit in the logged object. */
const SECRET_KEYS = [
  'password', 'passphrase', 'token', 'accessToken', 'botToken', 'appToken', 'secret', 'signingSecret',
  'hmacSecret', 'authorization', 'url', 'connectionString', 'privateKey',
];
const SECRET_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  'headers.authorization', '*.headers.authorization', 'req.headers.authorization',
];

/** One logger: JSON lines on stderr, so stdout stays for scorecards and `--json`. */
export function createLogger(
  level: string = process.env.FIREDRILL_LOG_LEVEL ?? 'warn',
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      level,
      redact: { paths: SECRET_PATHS, censor: REDACTED },
      // Paths catch secrets by their key; the redactor catches known secret values anywhere (a URL in an error message).
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => secrets.redactDeep(arg)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
