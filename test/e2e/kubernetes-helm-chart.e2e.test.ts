import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { validateFiles } from '../../src/catalogue/load.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { startKwokCluster, type KwokCluster } from './support/kwok-cluster.js';

/**
 * The Helm chart (deploy/helm/firedrill), rendered by the real helm (built from the Go module
 * proxy by support/build-helm.sh) and sent to a real kube-apiserver as a server-side dry run.
 * Its RBAC must be exactly deploy/kubernetes/'s for the drill kinds the values enable, which
 * kubernetes-rbac.e2e.test.ts proves against real drills.
 */

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(repo, 'deploy/helm/firedrill');
const RELEASE = 'firedrill';
const NAMESPACE = 'firedrill';

interface Manifest extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

let helmBinary: string;
let cluster: KwokCluster;
let work: string;

async function helm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(helmBinary, args, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: join(work, 'helm'), HELM_CONFIG_HOME: join(work, 'helm'), HELM_DATA_HOME: join(work, 'helm') } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

let valuesFiles = 0;
async function valuesFile(values: unknown): Promise<string> {
  const file = join(work, `values-${(valuesFiles += 1)}.yaml`);
  await writeFile(file, stringify(values));
  return file;
}

/** `helm template` of the chart with `values`: the objects, in order. */
async function render(values: unknown = {}): Promise<Manifest[]> {
  const result = await helm('template', RELEASE, CHART, '--namespace', NAMESPACE, '--values', await valuesFile(values));
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as Manifest | null)
    .filter((object): object is Manifest => object !== null);
}

async function refused(values: unknown): Promise<string> {
  const result = await helm('template', RELEASE, CHART, '--namespace', NAMESPACE, '--values', await valuesFile(values));
  expect(result.code).not.toBe(0);
  return result.stderr;
}

const find = (objects: Manifest[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
const names = (objects: Manifest[]) => objects.map((object) => `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`).sort();
const rbacKinds = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** An RBAC object as deploy/kubernetes/ writes it: no labels. */
function bare(object: Manifest): Manifest {
  const { labels: _labels, ...metadata } = object.metadata;
  return { ...object, metadata };
}

async function kubernetesManifests(file: string): Promise<Manifest[]> {
  return parseAllDocuments(await readFile(join(repo, 'deploy/kubernetes', file), 'utf8')).map((document) => document.toJS() as Manifest);
}

// A drill of the values: the shipped lose-node drill under an id of its own.
async function ownDrill(): Promise<Record<string, unknown>> {
  const drill = parse(await readFile(join(repo, 'drills/lose-a-node.yaml'), 'utf8')) as Record<string, unknown>;
  return { ...drill, id: 'lose-a-staging-node' };
}

const everything = async () => ({
  config: {
    environments: {
      // In the cluster: no kubeconfig, the pod's ServiceAccount.
      staging: { kubernetes: { allowedNamespaces: ['shop'] }, drills: ['lose-a-staging-node', 'lose-a-node'] },
    },
    // Beyond loopback the pages need their own access rule (validate warns without one).
    server: { alertToken: { env: 'FIREDRILL_ALERT_TOKEN' }, pages: { auth: { token: { env: 'FIREDRILL_PAGES_TOKEN' } } } },
  },
  drills: { 'lose-a-staging-node': await ownDrill() },
  secretEnv: [
    { name: 'SLACK_BOT_TOKEN', secretName: 'firedrill-slack', key: 'bot-token' },
    { name: 'FIREDRILL_ALERT_TOKEN', secretName: 'firedrill-webhooks', key: 'token' },
    { name: 'FIREDRILL_PAGES_TOKEN', secretName: 'firedrill-pages', key: 'token' },
    { name: 'STAGING_DATABASE_URL', secretName: 'staging-db', key: 'url', optional: true },
  ],
  env: [{ name: 'FIREDRILL_STORE_OUTAGE_LIMIT', value: '2m' }],
  rbac: {
    loseNode: { enabled: true, deleteNodes: true, namespaces: ['shop'] },
    deleteCluster: { enabled: true, namespaces: ['shop'] },
  },
  networkPolicy: { ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
  serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
});

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'firedrill-helm-'));
  const script = join(repo, 'test/e2e/support/build-helm.sh');
  // Minutes the first time (see the README's Deploy section), a second once cached.
  const built = await run(script, [], { maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 });
  helmBinary = built.stdout.trim().split('\n').at(-1)!;
  cluster = await startKwokCluster(1);
  // Cold, helm (about 11 minutes) and the control plane (about 9) are both built here.
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the Helm chart', () => {
  it('passes helm lint, with the default values and with every part enabled', async () => {
    const lintDefaults = await helm('lint', CHART, '--strict', '--namespace', NAMESPACE);
    expect(lintDefaults.stdout).toContain('0 chart(s) failed');
    expect(lintDefaults.code).toBe(0);
    const lintAll = await helm('lint', CHART, '--strict', '--namespace', NAMESPACE, '--values', await valuesFile(await everything()));
    expect(lintAll.stdout).toContain('0 chart(s) failed');
    expect(lintAll.code).toBe(0);
  });

  it('keeps the config schema of the values the same as firedrill schema config', async () => {
    const schema = JSON.parse(await readFile(join(CHART, 'values.schema.json'), 'utf8')) as { definitions: { firedrillConfig: Record<string, unknown> } };
    const { $schema: _draft, ...config } = configJsonSchema();
    const { description: _description, ...embedded } = schema.definitions.firedrillConfig;
    // When this fails: npm run build && node deploy/helm/sync-config-schema.mjs
    expect(embedded).toEqual(config);
  });

  it('renders, by default, two restricted replicas of serve and no cluster-wide rights', async () => {
    const objects = await render();
    expect(names(objects)).toEqual([
      'ConfigMap/firedrill/firedrill',
      'Deployment/firedrill/firedrill',
      'NetworkPolicy/firedrill/firedrill',
      'PodDisruptionBudget/firedrill/firedrill',
      'Role/firedrill/firedrill-leader-election',
      'RoleBinding/firedrill/firedrill-leader-election',
      'Service/firedrill/firedrill',
      'ServiceAccount/firedrill/firedrill',
    ]);
    const deployment = find(objects, 'Deployment', RELEASE) as unknown as {
      spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: Record<string, any> } };
    };
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('firedrill');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const [container] = pod.containers;
    expect(container.image).toBe('firedrill:0.1.0');
    expect(container.args).toEqual(['--config', '/etc/firedrill/firedrill.yaml', 'serve']);
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // Liveness and start-up ask only whether the process answers: a store outage must not restart every replica.
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/firedrill', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.volumes.find((volume: { name: string }) => volume.name === 'tmp')).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
    const env = Object.fromEntries(container.env.map((variable: { name: string }) => [variable.name, variable]));
    expect(env.DATABASE_URL.valueFrom).toEqual({ secretKeyRef: { name: 'firedrill-store', key: 'url' } });
    expect(env.POD_NAMESPACE.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(env.NODE_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(pod.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: deployment.spec.selector.matchLabels } },
    ]);
    expect(find(objects, 'PodDisruptionBudget', RELEASE)).toMatchObject({ spec: { minAvailable: 1 } });
    expect(find(objects, 'Role', 'firedrill-leader-election')).toMatchObject({
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
    });
  });

  it('mounts a config and drills that firedrill validates, serving on the pod address', async () => {
    const objects = await render(await everything());
    const configMap = find(objects, 'ConfigMap', RELEASE) as unknown as { data: Record<string, string> };
    expect(Object.keys(configMap.data).sort()).toEqual(['drill-lose-a-staging-node.yaml', 'firedrill.yaml']);
    const dir = join(work, 'mounted');
    await mkdir(join(dir, 'drills'), { recursive: true });
    await writeFile(join(dir, 'firedrill.yaml'), configMap.data['firedrill.yaml']!);
    await writeFile(join(dir, 'drills/lose-a-staging-node.yaml'), configMap.data['drill-lose-a-staging-node.yaml']!);
    expect(await validateFiles([join(dir, 'firedrill.yaml')])).toEqual([]);
    expect(parse(configMap.data['firedrill.yaml']!)).toMatchObject({ server: { host: '0.0.0.0', port: 8080, alertToken: { env: 'FIREDRILL_ALERT_TOKEN' } }, catalogue: ['drills'] });

    const deployment = find(objects, 'Deployment', RELEASE) as unknown as { spec: { template: { spec: Record<string, any> } } };
    const config = deployment.spec.template.spec.volumes.find((volume: { name: string }) => volume.name === 'config');
    expect(config.configMap.items).toEqual([
      { key: 'firedrill.yaml', path: 'firedrill.yaml' },
      { key: 'drill-lose-a-staging-node.yaml', path: 'drills/lose-a-staging-node.yaml' },
    ]);
  });

  it('references secrets and never holds one', async () => {
    const objects = await render(await everything());
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const deployment = find(objects, 'Deployment', RELEASE) as unknown as { spec: { template: { spec: Record<string, any> } } };
    const env = deployment.spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
    const fromSecrets = env.filter((variable) => variable.valueFrom && 'secretKeyRef' in (variable.valueFrom as object)).map((variable) => variable.name);
    expect(fromSecrets).toEqual(['DATABASE_URL', 'SLACK_BOT_TOKEN', 'FIREDRILL_ALERT_TOKEN', 'FIREDRILL_PAGES_TOKEN', 'STAGING_DATABASE_URL']);
    const plain = env.filter((variable) => variable.value !== undefined).map((variable) => variable.name);
    expect(plain).toEqual(['PORT', 'FIREDRILL_LOG_LEVEL', 'FIREDRILL_STATE_DIR', 'FIREDRILL_STORE_OUTAGE_LIMIT']);
    // A secret written into the config is refused before anything renders.
    const inline = await refused({ config: { environments: {}, store: { url: 'postgres://firedrill:hunter2@db:5432/firedrill' } } });
    expect(inline).toContain('config');
    expect(inline).toContain('store');
  });

  it('grants exactly the RBAC of deploy/kubernetes/ for both drill kinds', async () => {
    const objects = (await render(await everything())).filter((object) => rbacKinds.has(object.kind) && !object.metadata.name.endsWith('leader-election'));
    const expected = [...(await kubernetesManifests('rbac-lose-node.yaml')), ...(await kubernetesManifests('rbac-delete-cluster.yaml'))].filter((object) => rbacKinds.has(object.kind));
    const byName = (list: Manifest[]) => Object.fromEntries(list.map((object) => [`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`, object]));
    expect(byName(objects.map(bare))).toEqual(byName(expected));
  });

  it('grants nothing for a drill kind that is not enabled, and only the reads in teardown mode', async () => {
    const loseNodeOnly = await render({ rbac: { loseNode: { enabled: true, namespaces: ['shop', 'payments'] } } });
    expect(names(loseNodeOnly.filter((object) => rbacKinds.has(object.kind)))).toEqual([
      'ClusterRole/firedrill-lose-node',
      'ClusterRole/firedrill-lose-node-namespace',
      'ClusterRoleBinding/firedrill-lose-node',
      'Role/firedrill/firedrill-leader-election',
      'RoleBinding/firedrill/firedrill-leader-election',
      'RoleBinding/payments/firedrill-lose-node',
      'RoleBinding/shop/firedrill-lose-node',
    ]);

    const teardown = await render({ rbac: { deleteCluster: { enabled: true, namespaces: ['shop'], restore: false } } });
    expect(names(teardown.filter((object) => rbacKinds.has(object.kind) && object.kind.startsWith('Cluster')))).toEqual([
      'ClusterRole/firedrill-delete-cluster',
      'ClusterRoleBinding/firedrill-delete-cluster',
    ]);
    const rules = (find(teardown, 'ClusterRole', 'firedrill-delete-cluster') as unknown as { rules: { verbs: string[] }[] }).rules;
    expect(new Set(rules.flatMap((rule) => rule.verbs))).toEqual(new Set(['get', 'list', 'watch']));
    // Without lose-node, the restore may bind only delete-cluster's own role.
    const deleteOnly = await render({ rbac: { deleteCluster: { enabled: true, namespaces: ['shop'] } } });
    const bind = (find(deleteOnly, 'ClusterRole', 'firedrill-delete-cluster') as unknown as { rules: { verbs: string[]; resourceNames?: string[] }[] }).rules.find((rule) => rule.verbs.includes('bind'));
    expect(bind?.resourceNames).toEqual(['firedrill-delete-cluster-namespace']);

    const none = await render({ rbac: { create: false } });
    expect(none.filter((object) => rbacKinds.has(object.kind))).toEqual([]);
  });

  it('refuses bad values with a message that names the value', async () => {
    expect(await refused({ replicaCount: 0 })).toMatch(/replicaCount[\s\S]*minimum/);
    expect(await refused({ replicaCount: 'two' })).toMatch(/replicaCount[\s\S]*integer/);
    expect(await refused({ replicas: 3 })).toMatch(/replicas/);
    expect(await refused({ image: { repository: 'firedrill', digest: 'latest' } })).toMatch(/image[\s\S]*digest/);
    expect(await refused({ image: { repository: '' } })).toMatch(/image[\s\S]*repository/);
    expect(await refused({ rbac: { deleteCluster: { enabled: 1 } } })).toMatch(/rbac[\s\S]*deleteCluster[\s\S]*enabled/);
    expect(await refused({ rbac: { deleteCluster: { enabled: true } } })).toMatch(/namespaces/);
    expect(await refused({ rbac: { deleteCluster: { enabled: true, namespaces: ['kube-system'] } } })).toContain('"kube-system" is a system namespace');
    expect(await refused({ rbac: { deleteCluster: { enabled: true, namespaces: ['Shop'] } } })).toMatch(/rbac\/deleteCluster\/namespaces\/0/);
    expect(await refused({ rbac: { deleteCluster: { enabled: true, namespaces: [NAMESPACE] } } })).toContain(`"${NAMESPACE}" is the namespace firedrill runs in`);
    expect(await refused({ config: { environments: { Staging: {} } } })).toMatch(/'Staging' does not match pattern/);
    expect(await refused({ config: { environments: {}, server: { port: 'eighty' } } })).toMatch(/config[\s\S]*server[\s\S]*port/);
    expect(await refused({ store: { urlSecret: { name: 'Not A Secret Name' } } })).toMatch(/store[\s\S]*urlSecret[\s\S]*name/);
    expect(await refused({ containerPort: 80 })).toMatch(/containerPort[\s\S]*minimum/);
  });

  it('is accepted whole by a real kube-apiserver in a server-side dry run', async () => {
    await cluster.kubectl('create', 'namespace', NAMESPACE);
    await cluster.kubectl('create', 'namespace', 'shop');
    // The Prometheus Operator's ServiceMonitor kind, for the optional ServiceMonitor.
    const crd = join(work, 'servicemonitor-crd.yaml');
    await writeFile(crd, SERVICE_MONITOR_CRD);
    await cluster.kubectl('apply', '-f', crd);
    await cluster.kubectl('wait', '--for=condition=Established', 'crd/servicemonitors.monitoring.coreos.com', '--timeout=60s');

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cluster.kubeconfig);
    const api = KubernetesObjectApi.makeApiClient(kubeConfig);
    const objects = await render(await everything());
    expect(names(objects)).toContain('ServiceMonitor/firedrill/firedrill');
    const accepted: string[] = [];
    for (const object of objects) {
      const created = await api.create(object, undefined, 'All');
      expect(created.metadata?.name).toBe(object.metadata.name);
      accepted.push(`${created.kind}/${created.metadata?.name}`);
    }
    expect(accepted).toHaveLength(objects.length);
    // A dry run leaves nothing behind.
    await expect(api.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: RELEASE, namespace: NAMESPACE } })).rejects.toMatchObject({ code: 404 });
  });
});

const SERVICE_MONITOR_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: { kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [endpoints, selector]
              properties:
                selector:
                  type: object
                  properties:
                    matchLabels: { type: object, additionalProperties: { type: string } }
                namespaceSelector:
                  type: object
                  properties:
                    matchNames: { type: array, items: { type: string } }
                endpoints:
                  type: array
                  items:
                    type: object
                    properties:
                      port: { type: string }
                      path: { type: string }
                      interval: { type: string, pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$' }
                      scrapeTimeout: { type: string, pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$' }
`;
