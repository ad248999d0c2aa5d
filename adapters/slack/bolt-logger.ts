import type { Logger as BoltLogger } from '@slack/bolt';
import { LogLevel } from './bolt-parts.js';
import type { Logger } from '../../src/log.js';

/** Bolt's log lines go to firedrill's one logger (pino, with secret redaction). */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'slack' });
  const text = (parts: unknown[]) => parts.map((part) => (typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...parts: unknown[]) => child.debug({ detail: text(parts) }, 'bolt'),
    info: (...parts: unknown[]) => child.info({ detail: text(parts) }, 'bolt'),
    warn: (...parts: unknown[]) => child.warn({ detail: text(parts) }, 'bolt'),
    error: (...parts: unknown[]) => child.error({ detail: text(parts) }, 'bolt'),
    setLevel: (next) => (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}
