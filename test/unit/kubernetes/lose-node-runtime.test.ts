import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environment } from '../../../src/config/config-schema.js';
import { Drill, type LoseNodeDrill } from '../../../src/catalogue/drill-schema.js';
import { loseNodeRuntime } from '../../../src/compose/lose-node-runtime.js';
import { UserError } from '../../../src/errors.js';
import { recordingProcessJournal } from '../../support/process-journal.js';
import { pickNode } from '../../../adapters/kubernetes/nodes.js';
import { selects } from '../../../adapters/kubernetes/workloads-probe.js';

// Port 1 on loopback: nothing listens, so any API call would fail loudly. These tests need none.
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - { name: eu-prod, cluster: { server: "https://127.0.0.1:1" } }
  - { name: staging, cluster: { server: "https://127.0.0.1:1" } }
contexts:
  - { name: prod-eu, context: { cluster: eu-prod, user: me } }
  - { name: staging-eu, context: { cluster: staging, user: me } }
current-context: staging-eu
users:
  - { name: me, user: { token: not-a-secret } }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-kube-unit-'));
  await writeFile(join(dir, 'kubeconfig'), KUBECONFIG);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const drill = (target: Record<string, unknown> = {}) =>
  Drill.parse({
    id: 'lose-a-node',
    title: 'A node is lost',
    kind: 'lose-node',
    target,
    severity: 'low',
    objectives: { rto: '5m' },
    steadyState: { probes: [{ type: 'kubernetes-workloads' }] },
    recovery: { mode: 'manual' },
    maxDuration: '10m',
  }) as LoseNodeDrill;

const environment = (kubernetes: Record<string, unknown>) =>
  Environment.parse({ kubernetes: { kubeconfig: 'kubeconfig', allowedNamespaces: ['shop'], ...kubernetes } });

const build = (d: LoseNodeDrill, env: Environment) =>
  loseNodeRuntime.build(d, { environmentName: 'staging', environment: env, runId: 'run-1', options: { configDir: dir, env: {} }, processes: recordingProcessJournal() });

describe('lose-node runtime', () => {
  it('refuses a production-looking context in preflight without listing its nodes', async () => {
    const runtime = await build(drill(), environment({ context: 'prod-eu' }));
    const checks = await runtime.fault.preflight();
    expect(checks).toEqual([
      { check: 'kube context allowed', ok: false, detail: 'prod-eu looks like production; set allowProductionLookingNames: true on staging if it is staging' },
    ]);
    await runtime.close();
  });

  it('names the known contexts when the configured one is missing', async () => {
    const error = await build(drill(), environment({ context: 'stagin' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain('no context "stagin" in the kubeconfig; it has: prod-eu, staging-eu');
  });

  it('builds delete mode, and refuses a production-looking context for it the same way', async () => {
    const runtime = await build(drill({ mode: 'delete' }), environment({ context: 'prod-eu' }));
    const checks = await runtime.fault.preflight();
    expect(checks).toEqual([
      { check: 'kube context allowed', ok: false, detail: 'prod-eu looks like production; set allowProductionLookingNames: true on staging if it is staging' },
    ]);
    await runtime.close();
  });

  it('has an undo for each mode, and the delete undo refuses another context before calling the API', async () => {
    expect(Object.keys(loseNodeRuntime.undo).sort()).toEqual(['recreate-node', 'uncordon-node']);
    const params = { node: 'node-1', context: 'staging-old', saved: { metadata: { name: 'node-1' }, spec: {} } };
    const undo = loseNodeRuntime.undo['recreate-node']!(params, { environmentName: 'staging', environment: environment({ context: 'staging-eu' }), options: { configDir: dir, env: {} }, run: { runId: 'run-1', drillId: 'lose-a-node', processes: recordingProcessJournal() } });
    await expect(undo).rejects.toThrow('node node-1 was deleted in context staging-old, but the environment now uses staging-eu; re-create it by hand');
  });

  it('needs allowedNamespaces in the environment', () => {
    const parsed = Environment.safeParse({ kubernetes: { kubeconfig: 'kubeconfig' } });
    expect(parsed.success).toBe(false);
  });
});

describe('node picking and label selectors', () => {
  it('picks the same node for the same run, and none from an empty list', () => {
    const nodes = ['a', 'b', 'c'];
    expect(pickNode(nodes, 'run-1')).toBe(pickNode(nodes, 'run-1'));
    expect(nodes).toContain(pickNode(nodes, 'run-1'));
    expect(pickNode([], 'run-1')).toBeUndefined();
  });

  it('matches labels and expressions as the API server does', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selects({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'db' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selects({}, labels)).toBe(false);
  });
});
