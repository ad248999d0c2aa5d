import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { learnSecretsInForce } from '../../../src/secrets/in-force.js';
import { Redactor, secrets } from '../../../src/secrets/redactor.js';

describe('the redactor', () => {
  it('masks a known secret wherever it appears, and the password of a known URL in its decoded form', () => {
    const redactor = new Redactor();
    redactor.add('postgres://shop:p%40ss-w0rd!@db.staging:5432/shop');
    redactor.add('xoxb-1234-abcd');
    expect(redactor.redact('DATABASE_URL=postgres://shop:p%40ss-w0rd!@db.staging:5432/shop token=xoxb-1234-abcd')).toBe('DATABASE_URL=[redacted] token=[redacted]');
    expect(redactor.redact('psql: password p@ss-w0rd! rejected')).toBe('psql: password [redacted] rejected');
  });

  it('masks the password of any URL, known or not', () => {
    expect(new Redactor().redact('could not connect to postgresql://app:hunter2hunter2@10.0.0.1/app')).toBe(
      'could not connect to postgresql://app:[redacted]@10.0.0.1/app',
    );
  });

  it('leaves short values alone, so ordinary words survive', () => {
    const redactor = new Redactor();
    redactor.add('on');
    expect(redactor.redact('the probe is on')).toBe('the probe is on');
  });

  it('redacts every string of nested data and errors without changing the original', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-token');
    const event = { type: 'fault-step', action: 'ran `deploy` (exit 0: token s3cr3t-token)', nested: [{ detail: 's3cr3t-token' }] };
    expect(redactor.redactDeep(event)).toEqual({ type: 'fault-step', action: 'ran `deploy` (exit 0: token [redacted])', nested: [{ detail: '[redacted]' }] });
    expect(event.nested[0]?.detail).toBe('s3cr3t-token');
    const error = redactor.redactDeep(new Error('auth failed with s3cr3t-token')) as unknown as { message: string; stack: string };
    expect(error.message).toBe('auth failed with [redacted]');
    expect(error.stack).not.toContain('s3cr3t-token');
  });
});

describe('secrets in force', () => {
  it('are learnt from {env} and {file} references, ...Env keys and the well-known variables, then masked in log lines', async () => {
    const config = {
      store: { url: { env: 'STORE_URL' } },
      environments: { staging: { postgres: { url: { env: 'STAGING_URL' } }, buckets: { b: { secretAccessKeyEnv: 'S3_SECRET' } } } },
    };
    await learnSecretsInForce(config, '/nowhere', {
      STORE_URL: 'postgres://fd:store-canary-1@127.0.0.1/fd',
      STAGING_URL: 'postgres://app:staging-canary-2@127.0.0.1/shop',
      S3_SECRET: 's3-canary-3',
      SLACK_BOT_TOKEN: 'xoxb-canary-4',
    });
    const lines: string[] = [];
    const log = createLogger('debug', new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) }));
    log.warn({ detail: 'output: staging-canary-2 s3-canary-3', err: new Error('xoxb-canary-4 refused') }, 'probe failed with store-canary-1');
    const written = lines.join('');
    for (const canary of ['store-canary-1', 'staging-canary-2', 's3-canary-3', 'xoxb-canary-4']) expect(written).not.toContain(canary);
    expect(written).toContain('[redacted]');
    expect(secrets.redact('staging-canary-2')).toBe('[redacted]');
  });
});
