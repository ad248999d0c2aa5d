import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/embedded-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';
import { postToSlackEvents, slashCommand, startSlackApiStandIn, type SlackApiStandIn } from '../support/slack.js';
import { startSocketModeServer } from '../support/slack-socket.js';

/**
 * The container image, built without Docker by deploy/image/build-image.mjs, run the way a
 * cluster runs it: its one layer unpacked, the root filesystem mounted read-only, a tmpfs on
 * /tmp, the config mounted read-only at /etc/firedrill, and the process started with the image's
 * own Entrypoint, Env, WorkingDir and User (uid 65532), chrooted in a private mount namespace.
 * Needs root (to mount and to switch to uid 65532), as a container runtime does.
 */

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const MAX_COMPRESSED_MB = 100;

interface ImageConfig {
  User: string;
  Env: string[];
  Entrypoint: string[];
  Cmd: string[];
  WorkingDir: string;
  Healthcheck: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number };
}
interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

// Mounts as a runtime does, then chroots, changes directory and drops to the image's user.
const IN_IMAGE = `set -e
root=$1 config=$2 wd=$3 uid=$4 gid=$5; shift 5
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/tmp"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --bind "$config" "$root/etc/firedrill"
mount -o remount,bind,ro "$root/etc/firedrill"
exec unshare --root="$root" --wd="$wd" --setuid="$uid" --setgid="$gid" -- "$@"`;

let work: string;
let root: string;
let configDir: string;
let config: ImageConfig;
let compressedBytes: number;
let layerFiles: string[];
let postgres: TestPostgres | undefined;

async function blob(layout: string, descriptor: Descriptor): Promise<Buffer> {
  const data = await readFile(join(layout, 'blobs/sha256', descriptor.digest.slice('sha256:'.length)));
  expect(`sha256:${createHash('sha256').update(data).digest('hex')}`).toBe(descriptor.digest);
  expect(data.length).toBe(descriptor.size);
  return data;
}

/** Starts `command` (default: the image's Entrypoint and Cmd) inside the image. */
function startInImage(command: string[] | undefined, env: Record<string, string> = {}): ChildProcess {
  const [uid, gid] = config.User.split(':');
  const argv = command ?? [...config.Entrypoint, ...config.Cmd];
  const imageEnv = Object.fromEntries(config.Env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  return spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', IN_IMAGE, 'sh', root, configDir, config.WorkingDir, uid!, gid!, ...argv], {
    // Only the image's environment and what the test adds, as in a container; PATH finds the host's mount tools.
    env: { ...imageEnv, ...env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function inImage(command: string[] | undefined, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startInImage(command, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

const firedrill = (...args: string[]) => [...config.Entrypoint, ...args];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the image test mounts file systems and switches to uid 65532: run it as root (CI does)');
  work = await mkdtemp(join(tmpdir(), 'firedrill-image-'));
  const out = join(work, 'image');
  await run(process.execPath, [join(repo, 'deploy/image/build-image.mjs'), out], { cwd: repo, maxBuffer: 64 * 1024 * 1024, timeout: 25 * 60_000 });

  const layout = join(out, 'oci');
  expect(JSON.parse(await readFile(join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  expect(index.manifests).toHaveLength(1);
  const manifestBlob = await blob(layout, index.manifests[0]!);
  const manifest = JSON.parse(manifestBlob.toString()) as { config: Descriptor; layers: Descriptor[] };
  expect(manifest.layers.map((layer) => layer.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+gzip']);
  const configBlob = await blob(layout, manifest.config);
  config = (JSON.parse(configBlob.toString()) as { config: ImageConfig }).config;
  const layer = await blob(layout, manifest.layers[0]!);
  compressedBytes = manifestBlob.length + configBlob.length + layer.length;

  root = join(work, 'rootfs');
  configDir = join(work, 'config');
  await mkdir(root);
  await mkdir(configDir);
  const layerFile = join(work, 'layer.tar.gz');
  await writeFile(layerFile, layer);
  await run('tar', ['-xzf', layerFile, '-C', root, '--same-owner', '--numeric-owner']);
  layerFiles = (await run('tar', ['-tzf', layerFile], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n');
  // Mount points a container runtime provides; the image itself has none.
  for (const dir of ['proc', 'dev', 'etc/firedrill']) await mkdir(join(root, dir), { recursive: true });
}, 30 * 60_000);

afterAll(async () => {
  await postgres?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the container image', () => {
  it('runs node as the nonroot user, with a health check that needs no shell, and is small', async () => {
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node', '/app/dist/firedrill.js']);
    expect(config.Cmd).toEqual(['serve']);
    expect(config.Healthcheck.Test).toEqual(['CMD', '/nodejs/bin/node', '/app/dist/healthcheck.js']);
    const shells = layerFiles.filter((file) => /(^|\/)(sh|bash|dash|ash|busybox)$/.test(file));
    expect(shells).toEqual([]);
    console.log(`image: ${(compressedBytes / 1e6).toFixed(1)} MB compressed`);
    expect(compressedBytes / 1e6).toBeLessThan(MAX_COMPRESSED_MB);
  });

  it('has the run-time settings of deploy/Dockerfile, so that both build the same image', async () => {
    const dockerfile = (await readFile(join(repo, 'deploy/Dockerfile'), 'utf8')).replace(/\\\n\s*/g, ' ');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const instruction = (name: string) => finalStage.match(new RegExp(`^${name} (.*)$`, 'm'))?.[1];
    expect(JSON.parse(instruction('ENTRYPOINT')!)).toEqual(config.Entrypoint);
    expect(JSON.parse(instruction('CMD')!)).toEqual(config.Cmd);
    expect(instruction('USER')).toBe(config.User);
    expect(instruction('WORKDIR')).toBe(config.WorkingDir);
    const healthcheck = instruction('HEALTHCHECK')!;
    expect(JSON.parse(healthcheck.replace(/^.*?CMD /, ''))).toEqual(config.Healthcheck.Test.slice(1));
    const option = (name: string) => Number(healthcheck.match(new RegExp(`--${name}=(\\d+)s?\\b`))?.[1]);
    expect({ Interval: option('interval') * 1e9, Timeout: option('timeout') * 1e9, StartPeriod: option('start-period') * 1e9, Retries: option('retries') }).toEqual({
      Interval: config.Healthcheck.Interval,
      Timeout: config.Healthcheck.Timeout,
      StartPeriod: config.Healthcheck.StartPeriod,
      Retries: config.Healthcheck.Retries,
    });
    const dockerEnv = instruction('ENV')!.trim().split(/\s+/);
    expect(config.Env.filter((entry) => !entry.startsWith('PATH='))).toEqual(dockerEnv);
  });

  it('holds the production dependencies only', async () => {
    // The lock file marks what only the devDependencies need.
    const lock = JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path && entry.dev).map(([path]) => path);
    expect(devOnly).toContain('node_modules/typescript');
    expect(devOnly.filter((path) => existsSync(join(root, 'app', path)))).toEqual([]);
    expect(existsSync(join(root, 'app/node_modules/@kubernetes/client-node/package.json'))).toBe(true);
    expect(existsSync(join(root, 'app/dist/firedrill.js'))).toBe(true);
    expect(existsSync(join(root, 'app/dist/healthcheck.js'))).toBe(true);
  });

  it('is uid 65532 on a read-only root; only /tmp is writable', async () => {
    const probe = `const fs = require('node:fs');
      const tryWrite = (file) => { try { fs.writeFileSync(file, 'x'); return 'written'; } catch (error) { return error.code; } };
      console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(), node: process.version,
        root: tryWrite('/x'), app: tryWrite('/app/x'), config: tryWrite('/etc/firedrill/x'), tmp: tryWrite('/tmp/x') }));`;
    const result = await inImage([config.Entrypoint[0]!, '-e', probe]);
    expect(result.stderr).toBe('');
    const facts = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(facts).toMatchObject({ uid: 65532, gid: 65532, cwd: '/app', root: 'EROFS', app: 'EROFS', config: 'EROFS', tmp: 'written' });
    expect(String(facts.node)).toMatch(/^v24\./);
  });

  it('answers firedrill --help', async () => {
    const result = await inImage(firedrill('--help'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: firedrill');
    expect(result.stdout).toMatch(/\n\s+serve /);
    expect(result.stdout).toMatch(/\n\s+validate /);
  });

  it('validates the documented example, a mounted config, and locates a mistake in it', async () => {
    const example = await inImage(firedrill('validate'));
    expect(example.stderr).toContain('drills.example.yaml: no problems');
    expect(example.code).toBe(0);

    await writeFile(join(configDir, 'firedrill.yaml'), 'environments: {}\nserver:\n  host: 127.0.0.1\n  port: eighty\n');
    const bad = await inImage(firedrill('--config', '/etc/firedrill/firedrill.yaml', 'validate'));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('/etc/firedrill/firedrill.yaml:4:');
    expect(bad.stdout).not.toContain('    at ');
  });

  it('says to set DATABASE_URL when serve has no store: the embedded PostgreSQL needs a shell the image lacks', async () => {
    await writeFile(join(configDir, 'firedrill.yaml'), 'environments: {}\n');
    const result = await inImage(firedrill('--config', '/etc/firedrill/firedrill.yaml', 'serve'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Set DATABASE_URL to a PostgreSQL server');
  });

  it('serves /healthz with a PostgreSQL store; the image health check passes while it runs and fails after it stopped', async () => {
    postgres = await startTestPostgres();
    await postgres.createDatabase('firedrill');
    const port = await freePort();
    await writeFile(join(configDir, 'firedrill.yaml'), `environments: {}\nserver:\n  host: 127.0.0.1\n  port: ${port}\n`);
    const env = { DATABASE_URL: postgres.url('firedrill'), PORT: String(port) };
    const serve = startInImage(firedrill('--config', '/etc/firedrill/firedrill.yaml', 'serve'), env);
    let stderr = '';
    serve.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => serve.on('close', resolve));
    try {
      const health = await waitFor(
        `serve to answer /healthz (stderr: ${stderr})`,
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          return response?.status === 200 ? ((await response.json()) as unknown) : undefined;
        },
        60_000,
      );
      expect(health).toMatchObject({ status: 'ok' });
      const check = config.Healthcheck.Test.slice(1);
      expect((await inImage(check, env)).code).toBe(0);

      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
      const after = await inImage(check, env);
      expect(after.code).toBe(1);
      expect(after.stderr).toContain('ECONNREFUSED');
    } finally {
      serve.kill('SIGKILL');
    }
  });
  /**
   * Slack through the bundle as it ships: the build edits what Bolt, axios, raw-body and
   * form-data load (scripts/esbuild-plugins.mjs), which the tests of the sources never run.
   */
  describe('with Slack', () => {
    let api: SlackApiStandIn;
    const SECRET = 'image-signing-secret';

    beforeAll(async () => {
      // The store of the test before, when it ran.
      if (!postgres) {
        postgres = await startTestPostgres();
        await postgres.createDatabase('firedrill');
      }
      api = await startSlackApiStandIn();
    });
    afterAll(async () => {
      await api?.close();
    });

    async function serveWithSlack(apiUrl: string, slackEnv: Record<string, string>, ready: RegExp): Promise<{ url: string; stop: () => Promise<number | null> }> {
      const port = await freePort();
      await writeFile(join(configDir, 'firedrill.yaml'), `environments: {}\nserver:\n  host: 127.0.0.1\n  port: ${port}\n`);
      const serve = startInImage(firedrill('--config', '/etc/firedrill/firedrill.yaml', 'serve'), {
        DATABASE_URL: postgres!.url('firedrill'),
        SLACK_BOT_TOKEN: 'xoxb-image',
        SLACK_API_URL: apiUrl,
        ...slackEnv,
      });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => serve.on('close', resolve));
      await new Promise<void>((resolve, reject) => {
        serve.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (ready.test(stderr)) resolve();
        });
        void exited.then(() => reject(new Error(`serve exited early:\n${stderr}`)));
      });
      return {
        url: `http://127.0.0.1:${port}`,
        stop: async () => {
          serve.kill('SIGTERM');
          const code = await exited;
          expect(stderr).not.toMatch(/"level":(50|60)/);
          return code;
        },
      };
    }

    it('acks a signed slash command over HTTP, answers it through the Web API, and refuses a forged one', async () => {
      const serve = await serveWithSlack(api.url, { SLACK_SIGNING_SECRET: SECRET }, /chat: slack at \/slack\/events/);
      try {
        const acked = await postToSlackEvents(serve.url, slashCommand('status', 'U0IMAGE'), SECRET);
        expect(acked.status).toBe(200);
        expect((await postToSlackEvents(serve.url, slashCommand('status', 'U0IMAGE'), 'forged-secret')).status).toBe(401);
        const reply = await api.waitFor((call) => call.method === 'chat.postMessage' && JSON.stringify(call.body.blocks).includes('No drill is running'));
        expect(reply.token).toBe('xoxb-image');
      } finally {
        expect(await serve.stop()).toBe(0);
      }
    });

    it('connects over Socket Mode and answers a slash command sent through it', async () => {
      const socket = await startSocketModeServer();
      const socketApi = await startSlackApiStandIn({ answers: { 'apps.connections.open': () => ({ ok: true, url: socket.url }) } });
      try {
        const serve = await serveWithSlack(socketApi.url, { SLACK_APP_TOKEN: 'xapp-image', SLACK_SIGNING_SECRET: '' }, /chat: slack over socket mode/);
        try {
          await socket.connected();
          const ack = await socket.send('slash_commands', slashCommand('status', 'U0IMAGE'));
          expect(ack.ms).toBeLessThan(3_000);
          await socketApi.waitFor((call) => call.method === 'chat.postMessage' && JSON.stringify(call.body.blocks).includes('No drill is running'));
        } finally {
          expect(await serve.stop()).toBe(0);
        }
      } finally {
        await socketApi.close();
        await socket.close();
      }
    });
  });
});
