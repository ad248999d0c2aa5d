import { createRequire } from 'node:module';
import type { DestinationStream, Logger } from 'pino';
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

// pino is required when the first logger is made, not when this module is imported: `--help`
// and `validate` never log and so never run it. In the bundle `require` is esbuild's, which
// bundles pino and runs it at this first call (its dozen files, resolved one by one from
// node_modules, took twice as long); unbundled (the tests, dist/src) an ES module has none.
const requireFromHere = createRequire(import.meta.url);
const loadPino = () => (typeof require === 'function' ? require('pino') : requireFromHere('pino')) as typeof import('pino').default;

/** One logger: JSON lines on stderr, so stdout stays for scorecards and `--json`. */
export function createLogger(
  level: string = process.env.FIREDRILL_LOG_LEVEL ?? 'warn',
  destination?: DestinationStream,
): Logger {
  const pino = loadPino();
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
    destination ?? pino.destination(2),
  );
}

/**
 * A logger made on first use: a command that never logs never loads pino. Reading `log`
 * makes it (so a context spread into another object carries a real logger).
 */
export function lazyLogger(level: string): () => Logger {
  let made: Logger | undefined;
  return () => (made ??= createLogger(level));
}
