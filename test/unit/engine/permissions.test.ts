import { describe, expect, it } from 'vitest';
import type { Environment } from '../../../src/config/config-schema.js';
import { ChatPermissions } from '../../../src/chat/chat-schema.js';
import { labelFor, type Actor, type Recorded } from '../../../src/engine/actor.js';
import { approvalRefusal, requirePermission, requireRunSomewhere, type Permission } from '../../../src/engine/permissions.js';

const env = (chat?: unknown): Environment => ({
  protected: false,
  allowProductionLookingNames: false,
  buckets: {},
  chat: chat === undefined ? undefined : ChatPermissions.parse(chat),
});
const cli = (id: string, as?: string): Actor => ({ identity: { realm: 'os', id }, label: labelFor(id, as), groups: [], via: { kind: 'cli' } });
const slack = (id: string, groups: string[] = [], channel = 'C1'): Actor => ({
  identity: { realm: 'slack', id },
  label: `<@${id}>`,
  groups,
  via: { kind: 'chat', channel },
});
const check = (permission: Permission, actor: Actor, environment: Environment, requester?: Recorded) => {
  try {
    requirePermission(permission, actor, 'staging', environment, requester);
    return 'ok';
  } catch (error) {
    return `${(error as Error).message} | ${(error as { hint?: string }).hint}`;
  }
};
const IDENTITY_NOTE = 'on the command line you are mallory (your operating-system user, or FIREDRILL_USER); --as only labels what you do';

describe('the permission rule, for chat and the command line alike', () => {
  it('lets the command line do anything where an environment has no permission lists, while chat is refused there', () => {
    const open = env();
    for (const permission of ['run', 'abort', 'approve', 'signal'] as const) expect(check(permission, cli('root'), open)).toBe('ok');
    expect(check('run', slack('U1'), open)).toBe(
      'nobody may run drills in staging from chat: it has no chat permissions | add environments.staging.chat (run, abort, approve) to the firedrill config',
    );
  });

  it('matches command-line users by their operating-system name in the same lists as chat users', () => {
    const staging = env({ run: ['alice', 'U1'], approve: ['bob'] });
    expect(check('run', cli('alice'), staging)).toBe('ok');
    expect(check('run', slack('U1'), staging)).toBe('ok');
    expect(check('approve', cli('bob'), staging)).toBe('ok');
    expect(check('run', cli('bob'), staging)).toBe(`bob may not run drills in staging | ask one of: alice, U1; ${IDENTITY_NOTE.replace('mallory', 'bob')}`);
    expect(check('signal', cli('mallory'), staging)).toBe('ok');
  });

  it('grants nothing for an --as name: the label says who is claimed, the identity decides', () => {
    const staging = env({ run: ['alice'], approve: ['alice'] });
    expect(check('run', cli('mallory', 'alice'), staging)).toBe(`mallory (as alice) may not run drills in staging | ask one of: alice; ${IDENTITY_NOTE}`);
    expect(check('approve', cli('mallory', 'alice'), staging)).toBe(`mallory (as alice) may not approve runs in staging | ask one of: alice; ${IDENTITY_NOTE}`);
    expect(check('run', cli('alice', 'the on-call'), staging)).toBe('ok');
  });

  it('restricts chat channels, not the command line', () => {
    const staging = env({ channels: ['C7'], run: ['*'] });
    expect(check('run', slack('U1', [], 'C1'), staging)).toBe('staging does not take drill commands in this channel | use one of: C7');
    expect(check('run', slack('U1', [], 'C7'), staging)).toBe('ok');
    expect(check('run', cli('root'), staging)).toBe('ok');
  });

  it('lets the requester abort, recognised by identity, not by label', () => {
    const staging = env({ run: ['alice'], abort: ['carol'] });
    expect(check('abort', cli('mallory', 'bob'), staging, cli('mallory', 'alice'))).toBe('ok');
    expect(check('abort', cli('bob', 'mallory'), staging, cli('mallory'))).toMatch(/^bob \(as mallory\) may not abort runs in staging \| ask one of: carol/);
    // A journal written before identities were kept: the label was the identity.
    expect(check('abort', slack('U1'), staging, { label: '<@U1>' })).toBe('ok');
  });

  it('needs a second identity to approve, whatever the labels say', () => {
    const requester = cli('mallory', 'alice');
    expect(approvalRefusal(cli('mallory', 'bob'), requester)).toMatchObject({
      message: 'you requested this run: approval must come from a second person',
      hint: `${IDENTITY_NOTE}; approve from chat, or as another user`,
    });
    expect(approvalRefusal(cli('bob'), requester)).toBeUndefined();
    expect(approvalRefusal(slack('U2'), requester)).toBeUndefined();
    // An OS user and a chat user who happen to share a name are different identities.
    expect(approvalRefusal({ ...slack('mallory'), label: 'mallory' }, cli('mallory'))).toBeUndefined();
    expect(approvalRefusal(slack('U1'), slack('U1'))?.hint).toBeUndefined();
  });

  it('lets whoever may run somewhere postpone and open incidents, and says who may otherwise', () => {
    const environments = { staging: env({ run: ['alice'] }), qa: env() };
    expect(() => requireRunSomewhere(cli('bob'), environments)).not.toThrow();
    expect(() => requireRunSomewhere(slack('U1'), environments)).toThrow('<@U1> may not run drills in staging');
    expect(() => requireRunSomewhere(cli('bob'), {})).toThrow('the config has no environments');
  });
});
