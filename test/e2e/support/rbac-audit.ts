import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startKwokCluster, type KwokCluster } from './kwok-cluster.js';

/** One request in the API server's audit log (level Metadata), its last stage. */
export interface AuditedRequest {
  auditID: string;
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
}

export interface AuditedKwokCluster extends KwokCluster {
  /**
   * The resource requests `user` made since the last call (API discovery and access reviews left
   * out): one batch per phase of a test.
   */
  newRequests(): Promise<AuditedRequest[]>;
}

/**
 * A kwok cluster whose API server logs the requests of `user`, and only those. kwok-cluster.ts
 * hands its environment to kwokctl, which reads KWOK_KUBE_AUDIT_POLICY; the log then lands in
 * <KWOK_WORKDIR>/clusters/<name>/logs/audit.log, KWOK_WORKDIR being the `kwok` directory next to
 * the cluster's kubeconfig.
 */
export async function startAuditedKwokCluster(nodes: number, user: string): Promise<AuditedKwokCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-audit-'));
  const policy = join(dir, 'audit-policy.yaml');
  await writeFile(
    policy,
    ['apiVersion: audit.k8s.io/v1', 'kind: Policy', 'omitStages: [RequestReceived]', 'rules:', '  - level: Metadata', `    users: ["${user}"]`, '  - level: None', ''].join('\n'),
  );
  const previous = process.env.KWOK_KUBE_AUDIT_POLICY;
  process.env.KWOK_KUBE_AUDIT_POLICY = policy;
  let cluster: KwokCluster;
  try {
    cluster = await startKwokCluster(nodes);
  } finally {
    if (previous === undefined) delete process.env.KWOK_KUBE_AUDIT_POLICY;
    else process.env.KWOK_KUBE_AUDIT_POLICY = previous;
    await rm(dir, { recursive: true, force: true });
  }
  const log = join(dirname(cluster.kubeconfig), 'kwok', 'clusters', cluster.name, 'logs', 'audit.log');
  try {
    await readFile(log);
  } catch (error) {
    await cluster.stop();
    throw new Error(`no audit log at ${log}: has kwokctl moved it? (${String(error)})`);
  }
  const seen = new Set<string>();
  return {
    ...cluster,
    async newRequests() {
      // A watch logs ResponseStarted, then ResponseComplete when it ends: keep the last stage.
      const byId = new Map<string, AuditedRequest>();
      for (const line of (await readFile(log, 'utf8')).split('\n')) {
        if (!line) continue;
        const request = JSON.parse(line) as AuditedRequest;
        if (request.user.username === user && !seen.has(request.auditID)) byId.set(request.auditID, request);
      }
      for (const id of byId.keys()) seen.add(id);
      return [...byId.values()].filter((request) => request.objectRef?.resource && request.objectRef.resource !== 'selfsubjectaccessreviews');
    },
  };
}

/**
 * A kubeconfig (JSON) holding only a token of ServiceAccount firedrill/firedrill, for the server
 * and CA of `cluster`'s admin kubeconfig, with one context named `context`.
 */
export async function serviceAccountKubeconfig(cluster: KwokCluster, context: string): Promise<string> {
  const admin = JSON.parse(await cluster.kubectl('config', 'view', '--raw', '--minify', '--flatten', '--context', cluster.context, '-o', 'json')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  };
  const { server, 'certificate-authority-data': ca } = admin.clusters[0]!.cluster;
  const token = (await cluster.kubectl('create', 'token', 'firedrill', '-n', 'firedrill', '--duration=1h')).trim();
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kwok-staging', cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name: 'firedrill', user: { token } }],
    contexts: [{ name: context, context: { cluster: 'kwok-staging', user: 'firedrill' } }],
    'current-context': context,
  });
}

/** "list /secrets kube-system/- 403": verb, group/resource[/subresource], namespace/name, status. */
export function requestText(request: AuditedRequest): string {
  const ref = request.objectRef ?? {};
  return `${request.verb} ${ref.apiGroup ?? ''}/${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''} ${ref.namespace ?? '-'}/${ref.name ?? '-'} ${request.responseStatus?.code}`;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
}

/**
 * The rules of `file`'s ClusterRoles, one line per verb, resource and resource name, that no
 * allowed request used where the file's bindings apply them (a RoleBinding's namespace, or
 * anywhere for a ClusterRoleBinding). A request allowed by several rules counts for each. `bind`
 * is no request of its own: it counts as used when firedrill created the RoleBindings to that
 * role that `file` or `others` define (the delete-cluster undo re-creates them).
 */
export async function unusedRules(file: string, allowed: readonly AuditedRequest[], others: readonly string[] = []): Promise<string[]> {
  const [own, ...rest] = await Promise.all([file, ...others].map(readManifests));
  const manifests = own!;
  // A Role is granted only in its own namespace, which is where its RoleBinding applies it.
  const roles = new Map(manifests.filter((doc) => doc.kind === 'ClusterRole' || doc.kind === 'Role').map((doc) => [doc.metadata.name, doc.rules ?? []]));
  const bindings = manifests.filter((doc) => doc.kind === 'ClusterRoleBinding' || doc.kind === 'RoleBinding');
  const restorable = [...manifests, ...rest.flat()].filter((doc) => doc.kind === 'RoleBinding');
  const unused: string[] = [];
  for (const binding of bindings) {
    const scope = binding.metadata.namespace;
    for (const rule of roles.get(binding.roleRef?.name ?? '') ?? []) {
      for (const group of rule.apiGroups) {
        for (const resource of rule.resources) {
          for (const verb of rule.verbs) {
            for (const name of rule.resourceNames ?? [undefined]) {
              const used = verb === 'bind' ? bindUsed(allowed, restorable, name) : usedBy(allowed, { verb, group, resource, scope, name });
              if (!used) unused.push(`${binding.roleRef?.name} (${scope ?? 'cluster-wide'}): ${verb} ${group}/${resource}${name ? ` ${name}` : ''}`);
            }
          }
        }
      }
    }
  }
  return unused;
}

async function readManifests(file: string): Promise<Manifest[]> {
  return parseAllDocuments(await readFile(file, 'utf8')).map((doc) => doc.toJS() as Manifest);
}

interface Use {
  verb: string;
  group: string;
  /** With its subresource: pods/eviction. */
  resource: string;
  /** A namespace, or anywhere when undefined. */
  scope: string | undefined;
  name: string | undefined;
}

function usedBy(allowed: readonly AuditedRequest[], use: Use): boolean {
  return allowed.some((request) => {
    const ref = request.objectRef ?? {};
    return (
      request.verb === use.verb &&
      (ref.apiGroup ?? '') === use.group &&
      `${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}` === use.resource &&
      (use.scope === undefined || ref.namespace === use.scope) &&
      (use.name === undefined || ref.name === use.name)
    );
  });
}

function bindUsed(allowed: readonly AuditedRequest[], roleBindings: readonly Manifest[], role: string | undefined): boolean {
  const bindings = roleBindings.filter((binding) => binding.roleRef?.name === role);
  return (
    bindings.length > 0 &&
    bindings.every((binding) =>
      usedBy(allowed, { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', scope: binding.metadata.namespace, name: binding.metadata.name }),
    )
  );
}
