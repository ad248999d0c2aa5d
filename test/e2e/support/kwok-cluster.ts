import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const K8S_VERSION = process.env.FIREDRILL_K8S_VERSION ?? 'v1.36.3';
const BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kwok', 'kwokctl', 'kubectl'];

export interface KwokCluster {
  name: string;
  kubeconfig: string;
  /** The kubeconfig context kwokctl wrote: `kwok-<name>`. */
  context: string;
  /** Where kubectl and the control plane binaries are: commands under test put it on PATH. */
  bin: string;
  kubectl(...args: string[]): Promise<string>;
  /** Sets the number of kwok nodes (adds or removes `node-00000N`). */
  scaleNodes(replicas: number): Promise<void>;
  /** Deletes the cluster and its temporary directory. */
  stop(): Promise<void>;
}

/** Where build-control-plane.sh caches the control plane's binaries. */
export function controlPlaneDir(): string {
  return join(process.env.FIREDRILL_CACHE_DIR ?? join(homedir(), '.cache', 'firedrill'), `k8s-${K8S_VERSION}`, 'bin');
}

/** The cached control plane of build-control-plane.sh; built first when any binary is missing. */
export async function controlPlaneBin(): Promise<string> {
  const bin = controlPlaneDir();
  const missing = await Promise.all(BINARIES.map((name) => access(join(bin, name)).then(() => false, () => true)));
  if (missing.some(Boolean)) {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'build-control-plane.sh');
    // About 9 minutes cold (see README.md); the hook timeout of the e2e config allows for it.
    await run(script, [], { maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 });
  }
  return bin;
}

export interface KwokOptions {
  /** The control plane's binaries; default: the cached build, built first when missing. */
  bin?: string;
  /**
   * A kube-apiserver and etcd only: no controllers, scheduler or kwok, so that nothing but the
   * caller changes an object (a pod is Ready when the caller says so).
   */
  apiServerOnly?: boolean;
}

/** A real kube-apiserver, controller-manager, scheduler and etcd, with `nodes` nodes simulated by kwok. */
export async function startKwokCluster(nodes: number, options: KwokOptions = {}): Promise<KwokCluster> {
  const bin = options.bin ?? (await controlPlaneBin());
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-kwok-'));
  const name = `fd-${process.pid}`;
  const kubeconfig = join(dir, 'kubeconfig');
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    KWOK_WORKDIR: join(dir, 'kwok'),
    KWOK_RUNTIME: 'binary',
    KWOK_KUBE_APISERVER_BINARY: join(bin, 'kube-apiserver'),
    KWOK_KUBE_CONTROLLER_MANAGER_BINARY: join(bin, 'kube-controller-manager'),
    KWOK_KUBE_SCHEDULER_BINARY: join(bin, 'kube-scheduler'),
    KWOK_ETCD_BINARY: join(bin, 'etcd'),
    KWOK_CONTROLLER_BINARY: join(bin, 'kwok'),
    KWOK_KUBECTL_BINARY: join(bin, 'kubectl'),
    KUBECONFIG: kubeconfig,
  };
  const kwokctl = (...args: string[]) => run(join(bin, 'kwokctl'), args, { env, maxBuffer: 16 * 1024 * 1024 });
  const kubectl = async (...args: string[]): Promise<string> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await run(join(bin, 'kubectl'), args, { env, maxBuffer: 16 * 1024 * 1024 })).stdout;
      } catch (error) {
        // A new namespace gets its default ServiceAccount from a controller a moment later; a pod
        // created in between is refused. Real clusters have the same race; tests wait it out.
        const serviceAccountPending = String((error as { stderr?: unknown }).stderr ?? '').includes('serviceaccount "default" not found');
        if (!serviceAccountPending || attempt >= 40) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  const stop = async () => {
    try {
      await kwokctl('delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    // --wait: create returns before the apiserver is ready otherwise.
    const only = options.apiServerOnly ? ['--disable', 'kube-controller-manager,kube-scheduler,kwok-controller'] : [];
    await kwokctl('create', 'cluster', '--name', name, '--runtime', 'binary', '--kubeconfig', kubeconfig, ...only, '--wait', '90s');
    const scaleNodes = async (replicas: number) => {
      await kwokctl('--name', name, 'scale', 'node', '--replicas', String(replicas));
    };
    if (nodes > 0) await scaleNodes(nodes);
    return { name, kubeconfig, context: `kwok-${name}`, bin, kubectl, scaleNodes, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
