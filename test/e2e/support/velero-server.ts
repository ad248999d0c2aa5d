import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalS3Server, type LocalS3Server } from '../../../adapters/s3/local-s3-server.js';
import type { KwokCluster } from './kwok-cluster.js';
import { until } from './kube-polling.js';

const run = promisify(execFile);
const VELERO_VERSION = process.env.FIREDRILL_VELERO_VERSION ?? 'v1.18.3';
export const VELERO_NAMESPACE = 'velero';
const BUCKET = 'velero';

export interface VeleroServer {
  namespace: string;
  /** Creates a Backup of `namespaces` (resources only) and waits until Velero says Completed. */
  backup(name: string, namespaces: string[]): Promise<VeleroObject>;
  /** Reads a Backup or Restore as JSON. */
  get(plural: 'backups' | 'restores', name: string): Promise<VeleroObject>;
  /** The last lines of the server's log, for failure messages. */
  logTail(): Promise<string>;
  stop(): Promise<void>;
}

export interface VeleroObject {
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: { phase?: string; startTimestamp?: string; completionTimestamp?: string; progress?: { itemsRestored?: number; totalItems?: number }; errors?: number; warnings?: number };
}

/** The cached Velero server and AWS plugin of build-velero.sh; built first when missing. */
export async function veleroBin(): Promise<{ velero: string; plugins: string }> {
  const root = join(process.env.FIREDRILL_CACHE_DIR ?? join(homedir(), '.cache', 'firedrill'), `velero-${VELERO_VERSION}`);
  const velero = join(root, 'bin', 'velero');
  const plugins = join(root, 'plugins');
  const missing = await Promise.all([velero, join(plugins, 'velero-plugin-for-aws')].map((file) => access(file).then(() => false, () => true)));
  if (missing.some(Boolean)) {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'build-velero.sh');
    // Several minutes cold on two cores (see README.md); the hook timeout of the e2e config allows for it.
    await run(script, [], { maxBuffer: 64 * 1024 * 1024, timeout: 40 * 60_000 });
  }
  return { velero, plugins };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A real Velero server (built from the Go module proxy) for `cluster`: its CRDs, namespace
 * `velero`, and BackupStorageLocation `default` in a bucket of a loopback S3 server (s3rver),
 * reached through velero-plugin-for-aws. Backups hold resources only: no volume snapshots and no
 * file-system backup, so no node agent is needed.
 */
export async function startVelero(cluster: KwokCluster): Promise<VeleroServer> {
  const { velero, plugins } = await veleroBin();
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-velero-'));
  let s3: LocalS3Server | undefined;
  let server: ChildProcess | undefined;
  const logFile = join(dir, 'velero.log');
  const stop = async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      const timer = setTimeout(() => server?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const kubectl = cluster.kubectl;
  const logTail = async () => (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n');
  try {
    await mkdir(join(dir, 's3'));
    s3 = await startLocalS3Server({ directory: join(dir, 's3'), buckets: [BUCKET] });

    const crds = (await run(velero, ['install', '--crds-only', '--dry-run', '-o', 'yaml', '--kubeconfig', cluster.kubeconfig], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    await writeFile(join(dir, 'crds.yaml'), crds);
    // create, not apply: the CRDs' schemas are too large for apply's last-applied annotation.
    await kubectl('create', '-f', join(dir, 'crds.yaml'));
    await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'component=velero');
    await kubectl('create', 'namespace', VELERO_NAMESPACE);
    // Velero's pod restore action reads its image from the install's Deployment `velero`; here the
    // server runs as a local process, so the Deployment is there for that read only, at 0 replicas.
    await kubectl('-n', VELERO_NAMESPACE, 'create', 'deployment', 'velero', `--image=velero/velero:${VELERO_VERSION}`, '--replicas=0');

    const credentials = join(dir, 'credentials');
    await writeFile(credentials, `[default]\naws_access_key_id=${s3.accessKeyId}\naws_secret_access_key=${s3.secretAccessKey}\n`, { mode: 0o600 });
    const location = {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: 'default', namespace: VELERO_NAMESPACE },
      spec: {
        provider: 'aws',
        default: true,
        objectStorage: { bucket: BUCKET },
        // s3rver speaks path-style only, and knows no flexible checksums: the plugin sends none.
        config: { region: 'us-east-1', s3Url: s3.endpoint, s3ForcePathStyle: 'true', checksumAlgorithm: '' },
      },
    };
    await writeFile(join(dir, 'location.json'), JSON.stringify(location));
    await kubectl('create', '-f', join(dir, 'location.json'));

    const log = await open(logFile, 'a');
    const [metricsPort, profilerPort] = [await freePort(), await freePort()];
    server = spawn(
      velero,
      [
        'server',
        '--kubeconfig', cluster.kubeconfig,
        '--kubecontext', cluster.context,
        '--namespace', VELERO_NAMESPACE,
        '--plugin-dir', plugins,
        '--uploader-type', 'kopia',
        // Loopback ports of their own: other suites may run a Velero (or anything) on the defaults.
        '--metrics-address', `127.0.0.1:${metricsPort}`,
        '--profiler-address', `127.0.0.1:${profilerPort}`,
        '--log-level', 'info',
      ],
      { env: { ...process.env, AWS_SHARED_CREDENTIALS_FILE: credentials, KUBECONFIG: cluster.kubeconfig }, stdio: ['ignore', log.fd, log.fd] },
    );
    await log.close();
    const exited = once(server, 'exit').then(([code]) => `velero server exited with ${String(code)}`);
    await Promise.race([
      until(
        'BackupStorageLocation default to be Available',
        () => kubectl('-n', VELERO_NAMESPACE, 'get', 'backupstoragelocation', 'default', '-o', 'jsonpath={.status.phase}'),
        (phase) => phase === 'Available',
        120_000,
      ),
      exited.then((why) => Promise.reject(new Error(why))),
    ]).catch(async (error: Error) => {
      throw new Error(`${error.message}\nvelero log:\n${await logTail()}`);
    });

    const get = async (plural: 'backups' | 'restores', name: string) =>
      JSON.parse(await kubectl('-n', VELERO_NAMESPACE, 'get', plural, name, '-o', 'json')) as VeleroObject;
    return {
      namespace: VELERO_NAMESPACE,
      get,
      logTail,
      async backup(name, namespaces) {
        const backup = {
          apiVersion: 'velero.io/v1',
          kind: 'Backup',
          metadata: { name, namespace: VELERO_NAMESPACE },
          spec: { includedNamespaces: namespaces, storageLocation: 'default', snapshotVolumes: false, defaultVolumesToFsBackup: false, ttl: '720h0m0s' },
        };
        const file = join(dir, `backup-${name}.json`);
        await writeFile(file, JSON.stringify(backup));
        await kubectl('create', '-f', file);
        const finished = ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'];
        const done = await until(`Backup ${name} to finish`, () => get('backups', name), (read) => finished.includes(read.status?.phase ?? ''), 120_000);
        if (done.status?.phase !== 'Completed') throw new Error(`Backup ${name} ended ${done.status?.phase}: ${JSON.stringify(done.status)}\n${await logTail()}`);
        return done;
      },
      stop,
    };
  } catch (error) {
    const tail = await logTail();
    await stop().catch(() => undefined);
    if (tail && error instanceof Error && !error.message.includes('velero log')) error.message += `\nvelero log:\n${tail}`;
    throw error;
  }
}
