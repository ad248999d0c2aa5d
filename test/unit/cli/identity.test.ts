import { describe, expect, it } from 'vitest';
import { cliActor, currentOsUser } from '../../../src/cli/identity.js';

const os = () => 'root';

describe('who acts on the command line', () => {
  it('is the operating-system user; --as only labels', () => {
    expect(cliActor({}, undefined, os)).toEqual({ identity: { realm: 'os', id: 'root' }, label: 'root', groups: [], via: { kind: 'cli' } });
    expect(cliActor({}, 'alice', os)).toMatchObject({ identity: { realm: 'os', id: 'root' }, label: 'root (as alice)' });
    expect(cliActor({}, 'root', os).label).toBe('root');
  });

  it('is FIREDRILL_USER where the environment sets it (a service account), with the login kept for the record', () => {
    expect(cliActor({ FIREDRILL_USER: 'drill-bot' }, 'alice', os)).toMatchObject({
      identity: { realm: 'os', id: 'drill-bot', login: 'root' },
      label: 'drill-bot (as alice)',
    });
    expect(cliActor({ FIREDRILL_USER: 'root' }, undefined, os).identity).toEqual({ realm: 'os', id: 'root' });
    expect(cliActor({ FIREDRILL_USER: ' ' }, undefined, os).identity).toEqual({ realm: 'os', id: 'root' });
  });

  it('does not believe USER, which anyone can set', () => {
    expect(cliActor({ USER: 'alice' }, undefined, os).identity.id).toBe('root');
  });

  it('names this process user', () => {
    expect(currentOsUser()).toMatch(/\S/);
  });
});
