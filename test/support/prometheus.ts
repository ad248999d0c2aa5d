import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../src/net/free-port.js';

const CACHE_ROOT = process.env.FIREDRILL_CACHE_DIR ?? join(homedir(), '.cache', 'firedrill');

export interface TestPrometheus {
  url: string;
  /** Polls the query API until `query` returns at least one sample (or throws after `timeoutMs`). */
  waitForSeries(query: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function run(command: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}`))));
  });
}

/**
 * A real Prometheus, from Debian's package, unpacked (not installed: no root) into
 * ~/.cache/firedrill/prometheus-<version>/ once; later runs reuse it. The package is a
 * static Go binary needing only libc. FIREDRILL_PROMETHEUS_BIN points at another binary.
 * Cold: about 10 s (a 19 MB download, 95 MB unpacked); cached: no apt call at all.
 */
export async function ensurePrometheus(): Promise<string> {
  if (process.env.FIREDRILL_PROMETHEUS_BIN) return process.env.FIREDRILL_PROMETHEUS_BIN;
  // Any complete install will do: asking apt which version is current takes seconds.
  const cached = existsSync(CACHE_ROOT) ? (await readdir(CACHE_ROOT)).filter((name) => name.startsWith('prometheus-')).sort().reverse() : [];
  const installed = cached.map((name) => join(CACHE_ROOT, name)).find((home) => existsSync(join(home, '.installed')) && existsSync(join(home, 'usr', 'bin', 'prometheus')));
  if (installed) return join(installed, 'usr', 'bin', 'prometheus');
  const policy = await run('apt-cache', ['policy', 'prometheus']).catch((error: Error) => {
    throw new Error(`apt-cache is needed to find Debian's prometheus package (${error.message}); or set FIREDRILL_PROMETHEUS_BIN to a prometheus binary`);
  });
  const version = /Candidate:\s*(\S+)/.exec(policy)?.[1];
  if (!version || version === '(none)') {
    throw new Error('no prometheus package in the apt sources: run apt-get update, or set FIREDRILL_PROMETHEUS_BIN to a prometheus binary');
  }
  const home = join(CACHE_ROOT, `prometheus-${version.replace(/[^\w.+-]/g, '_')}`);
  const binary = join(home, 'usr', 'bin', 'prometheus');

  const download = await mkdtemp(join(tmpdir(), 'firedrill-prometheus-deb-'));
  try {
    await run('apt-get', ['download', `prometheus=${version}`], download);
    const [deb] = (await readdir(download)).filter((name) => name.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download prometheus=${version} wrote no .deb`);
    const unpacked = join(download, 'root');
    await run('dpkg-deb', ['-x', join(download, deb), unpacked]);
    await writeFile(join(unpacked, '.installed'), version);
    await mkdir(CACHE_ROOT, { recursive: true });
    await rm(home, { recursive: true, force: true });
    // Whole or not at all: a run killed mid-unpack leaves no half install behind.
    await rename(unpacked, home);
  } finally {
    await rm(download, { recursive: true, force: true });
  }
  return binary;
}

/** Prometheus on 127.0.0.1, scraping `targets` (host:port) every second as job `job`, with throwaway storage. */
export async function startPrometheus(targets: string[], job: string): Promise<TestPrometheus> {
  const binary = await ensurePrometheus();
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '500ms', evaluation_interval: '1s' },
    scrape_configs: [{ job_name: job, static_configs: [{ targets }] }],
  };
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  const waitFor = async (what: string, ready: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}) while waiting for ${what}:\n${log}`);
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`prometheus: no ${what} within ${timeoutMs / 1000}s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  try {
    await waitFor('ready answer', async () => (await fetch(`${url}/-/ready`)).ok, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    waitForSeries: (query, timeoutMs = 30_000) =>
      waitFor(`series for ${query}`, async () => {
        const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
        const body = (await response.json()) as { data?: { result?: unknown[] } };
        return (body.data?.result?.length ?? 0) > 0;
      }, timeoutMs),
    stop,
  };
}
