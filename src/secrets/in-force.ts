import { resolveSecret } from '../catalogue/secrets.js';
import { ownValue } from '../catalogue/own.js';
import { isRecord } from '../catalogue/schema-walk.js';
import { secrets, type Redactor } from './redactor.js';

/** Secrets that firedrill reads from the environment by name, outside the config. */
const SECRET_VARIABLES = [
  'DATABASE_URL',
  'FIREDRILL_ALERT_TOKEN',
  'FIREDRILL_ALERT_HMAC_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'MATRIX_ACCESS_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'PGPASSWORD',
];

/**
 * Teaches the redactor every secret the config names (`{env}` and `{file}` references, the
 * variables named by `...Env` keys) and the well-known secret variables, before anything is
 * run, recorded or shown: a command that echoes its database URL must find it masked.
 * Secrets that cannot be read are skipped here; using them fails later with its own error.
 */
export async function learnSecretsInForce(config: unknown, configDir: string, env: NodeJS.ProcessEnv, redactor: Redactor = secrets): Promise<void> {
  for (const name of SECRET_VARIABLES) redactor.add(ownValue(env, name));
  const refs: unknown[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!isRecord(value)) return;
    if (isSecretRef(value)) return void refs.push(value);
    for (const [key, item] of Object.entries(value)) {
      if (key.endsWith('Env') && typeof item === 'string') redactor.add(ownValue(env, item));
      else walk(item);
    }
  };
  walk(config);
  for (const ref of refs) {
    const value = await resolveSecret(ref as Parameters<typeof resolveSecret>[0], configDir, env).catch(() => undefined);
    redactor.add(value);
  }
}

function isSecretRef(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (typeof value.env === 'string' || typeof value.file === 'string');
}
