import { describe, expect, it } from 'vitest';
import { ChatPermissions } from '../../../src/chat/chat-schema.js';
import { requirePermission } from '../../../src/chat/permissions.js';
import type { Environment } from '../../../src/config/config-schema.js';
import type { ChatUser } from '../../../src/chat/adapter.js';

const env = (chat?: unknown): Environment => ({
  protected: false,
  allowProductionLookingNames: false,
  buckets: {},
  chat: chat === undefined ? undefined : ChatPermissions.parse(chat),
});
const user = (id: string, groups: string[] = []): ChatUser => ({ id, label: `<@${id}>`, groups });
const check = (...args: Parameters<typeof requirePermission>) => {
  try {
    requirePermission(...args);
    return 'ok';
  } catch (error) {
    return `${(error as Error).message} | ${(error as { hint?: string }).hint}`;
  }
};

describe('chat permissions', () => {
  it('refuses everything that changes something where chat is not configured, and says how to allow it', () => {
    expect(check('run', user('U1'), 'C1', 'staging', env())).toBe(
      'nobody may run drills in staging from chat: it has no chat permissions | add environments.staging.chat (run, abort, approve) to the firedrill config',
    );
  });

  it('matches user ids, user groups and "*"', () => {
    const staging = env({ run: ['U1', 'S9'], approve: ['*'] });
    expect(check('run', user('U1'), 'C1', 'staging', staging)).toBe('ok');
    expect(check('run', user('U2', ['S9']), 'C1', 'staging', staging)).toBe('ok');
    expect(check('run', user('U3'), 'C1', 'staging', staging)).toBe('<@U3> may not run drills in staging | ask one of: U1, S9');
    expect(check('approve', user('U3'), 'C1', 'staging', staging)).toBe('ok');
  });

  it('lets those who may run abort by default, and the requester always', () => {
    const staging = env({ run: ['U1'], abort: ['U5'] });
    expect(check('abort', user('U1'), 'C1', 'staging', env({ run: ['U1'] }))).toBe('ok');
    expect(check('abort', user('U1'), 'C1', 'staging', staging)).toBe('<@U1> may not abort runs in staging | ask one of: U5');
    expect(check('abort', user('U1'), 'C1', 'staging', staging, '<@U1>')).toBe('ok');
  });

  it('takes changing commands only in the allowed channels', () => {
    const staging = env({ channels: ['C7'], run: ['*'] });
    expect(check('run', user('U1'), 'C7', 'staging', staging)).toBe('ok');
    expect(check('run', user('U1'), 'C1', 'staging', staging)).toBe('staging does not take drill commands in this channel | use one of: C7');
  });

  it('nobody approves until someone is named; signals are open by default', () => {
    const staging = env({ run: ['U1'] });
    expect(check('approve', user('U1'), 'C1', 'staging', staging)).toBe('<@U1> may not approve runs in staging | nobody may yet: add people to environments.staging.chat.approve');
    expect(check('signal', user('U8'), 'C1', 'staging', staging)).toBe('ok');
  });
});
