import type { Logger as SdkLogger } from 'matrix-js-sdk/lib/logger.js';
import type { Logger } from '../../src/log.js';

/** matrix-js-sdk logs a lot at info level; only its warnings and errors reach firedrill's log. */
export function sdkLogger(log: Logger): SdkLogger {
  const text = (parts: unknown[]) => parts.map((part) => (part instanceof Error ? part.message : String(part))).join(' ');
  const logger: SdkLogger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (...parts: unknown[]) => log.warn({ sdk: text(parts) }, 'matrix-js-sdk'),
    error: (...parts: unknown[]) => log.error({ sdk: text(parts) }, 'matrix-js-sdk'),
    getChild: () => logger,
  };
  return logger;
}
