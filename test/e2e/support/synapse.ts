import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../../src/net/free-port.js';

/** Pinned so that a cached install is the version the suite was written against. */
export const SYNAPSE_VERSION = '1.163.2';
const CACHE = join(process.env.FIREDRILL_CACHE_DIR ?? join(homedir(), '.cache', 'firedrill'), `synapse-${SYNAPSE_VERSION}`);
const PYTHON = join(CACHE, 'bin', 'python');

export interface Synapse {
  url: string;
  serverName: string;
  /** Registers a user through the shared-secret admin API; returns its access token. */
  register(localpart: string, options?: { admin?: boolean }): Promise<{ userId: string; accessToken: string }>;
  /** Stops the server and starts it again on the same port and data (clients must reconnect). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function run(command: string, args: string[], options: { cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}`))));
  });
}

/** Installs Synapse from PyPI into the cache once; later runs reuse it. */
export async function ensureSynapse(): Promise<void> {
  if (existsSync(PYTHON) && existsSync(join(CACHE, '.installed'))) return;
  await run('python3', ['-m', 'venv', CACHE]);
  await run(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `matrix-synapse==${SYNAPSE_VERSION}`]);
  await writeFile(join(CACHE, '.installed'), SYNAPSE_VERSION);
}

/** A throwaway homeserver on 127.0.0.1: SQLite, no federation, rate limits out of the way. */
export async function startSynapse(): Promise<Synapse> {
  await ensureSynapse();
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-synapse-'));
  const serverName = 'localhost';
  const configPath = join(dir, 'homeserver.yaml');
  await run(PYTHON, ['-m', 'synapse.app.homeserver', '--server-name', serverName, '--config-path', configPath, '--data-directory', dir, '--generate-config', '--report-stats=no'], { cwd: dir });
  const port = await freePort();
  const secret = randomBytes(16).toString('hex');
  const config = parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  const unlimited = { per_second: 1000, burst_count: 1000 };
  Object.assign(config, {
    listeners: [{ port, bind_addresses: ['127.0.0.1'], type: 'http', tls: false, x_forwarded: false, resources: [{ names: ['client'], compress: false }] }],
    database: { name: 'sqlite3', args: { database: join(dir, 'homeserver.db') } },
    registration_shared_secret: secret,
    enable_registration: false,
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    report_stats: false,
    federation_domain_whitelist: [],
    rc_message: unlimited,
    rc_registration: unlimited,
    rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
    rc_joins: { local: unlimited, remote: unlimited },
    rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
    rc_admin_redaction: unlimited,
    log_config: undefined,
  });
  delete config.log_config;
  await writeFile(configPath, stringify(config));

  let log = '';
  const launch = () => {
    const started = spawn(PYTHON, ['-m', 'synapse.app.homeserver', '-c', configPath], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
    return started;
  };
  let child: ChildProcess = launch();
  const url = `http://127.0.0.1:${port}`;
  const halt = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const stop = async () => {
    await halt();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, () => log);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    serverName,
    async register(localpart, options = {}) {
      const endpoint = `${url}/_synapse/admin/v1/register`;
      const { nonce } = (await (await fetch(endpoint)).json()) as { nonce: string };
      const password = randomBytes(12).toString('hex');
      const admin = options.admin ? 'admin' : 'notadmin';
      const mac = createHmac('sha1', secret).update(`${nonce}\0${localpart}\0${password}\0${admin}`).digest('hex');
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nonce, username: localpart, password, admin: Boolean(options.admin), mac }),
      });
      if (!response.ok) throw new Error(`registering ${localpart} failed: ${response.status} ${await response.text()}`);
      const body = (await response.json()) as { user_id: string; access_token: string };
      return { userId: body.user_id, accessToken: body.access_token };
    },
    async restart() {
      await halt();
      child = launch();
      await waitForHealth(url, child, () => log);
    },
    stop,
  };
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Synapse exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Synapse did not become healthy within 60 s:\n${log()}`);
}
