import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Config } from '../../../src/config/config-schema.js';
import type { Catalogue } from '../../../src/catalogue/load.js';
import type { OpenedStore } from '../../../src/compose/index.js';
import { startLeaderElection } from '../../../src/compose/leader-election.js';
import type { LeaderElector } from '../../../src/server/leader-elector.js';

const log = pino({ level: 'silent' });
const lock: LeaderElector = { identity: 'lock', describe: 'lock', isLeader: () => true, onChange: () => () => undefined, stop: async () => undefined };

async function choose(server: unknown, env: NodeJS.ProcessEnv) {
  const catalogue = { configPath: 'firedrill.yaml', configDir: '.', config: Config.parse({ server }), drills: new Map() } as unknown as Catalogue;
  const locks: unknown[] = [];
  const opened = { leaderLock: (options: unknown) => (locks.push(options), lock) } as unknown as OpenedStore;
  const elector = await startLeaderElection(catalogue, opened, env, 'me', log);
  return { elector, locks };
}

describe('which leader election serve uses', () => {
  it('uses an advisory lock on the store outside a cluster, and when the config says postgres', async () => {
    expect((await choose({}, {})).locks).toEqual([expect.objectContaining({ identity: 'me' })]);
    const named = await choose({ leaderElection: { postgres: { name: 'team-a' } } }, { KUBERNETES_SERVICE_HOST: '10.0.0.1', POD_NAMESPACE: 'firedrill' });
    expect(named.locks).toEqual([expect.objectContaining({ identity: 'me', name: 'team-a' })]);
  });

  it('asks for a namespace when the config names a Lease without one outside a pod', async () => {
    await expect(choose({ leaderElection: { lease: {} } }, {})).rejects.toThrow(/server.leaderElection.lease has no namespace and POD_NAMESPACE is not set/);
  });

  it('says what is wrong with a Lease kubeconfig it cannot read', async () => {
    await expect(choose({ leaderElection: { lease: { namespace: 'firedrill', kubeconfig: 'missing-kubeconfig' } } }, {})).rejects.toThrow(/cannot read the kubeconfig for leader election/);
  });

  it('refuses a Lease name Kubernetes would refuse, naming the key', () => {
    const parsed = Config.safeParse({ server: { leaderElection: { lease: { name: 'Firedrill_Leader' } } } });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(/a Kubernetes object name/);
  });
});
