import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { openPostgresRunStore } from '../../../adapters/postgres/run-store.js';
import { spawnCli } from '../../support/cli.js';
import { follow, type FollowedProcess } from '../../support/embedded-store.js';
import { startTestPostgres, type TestPostgres } from '../../support/servers.js';
import { launchChromium } from './browser.js';
import { DRILLS, ENVIRONMENTS, seedKnownRuns, type KnownRun } from './known-runs.js';

/** `firedrill serve` on loopback, reading a real PostgreSQL store of known runs. */
export interface PagesWorld {
  /** The server's base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The runs in the store, newest first. */
  runs: KnownRun[];
  serve: FollowedProcess;
  /** Another `serve` on the same store, with `server` settings merged into its config. */
  startServe(server: Record<string, unknown>, env?: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

/** `server` settings (e.g. `pages.auth`) and environment variables for the first `serve`. */
export async function startPagesWorld(first: { server?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}): Promise<PagesWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-browser-'));
  const stops: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    // Newest first: the servers before the store they read, the store before its folder.
    for (const step of stops.splice(0).reverse()) await step().catch((error: unknown) => console.error('stopping:', error));
  };
  try {
    const postgres: TestPostgres = await startTestPostgres();
    stops.push(() => postgres.stop());
    await postgres.createDatabase('pages');
    const databaseUrl = postgres.url('pages');
    const store = await openPostgresRunStore(databaseUrl);
    let runs: KnownRun[];
    try {
      runs = await seedKnownRuns(store, databaseUrl);
    } finally {
      await store.close();
    }

    await mkdir(join(dir, 'drills'));
    await writeFile(join(dir, 'drills', 'flag-outage.yaml'), FLAG_OUTAGE_DRILL);

    let serves = 0;
    const startServe = async (server: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => {
      const config = join(dir, `firedrill-${++serves}.yaml`);
      const drills = DRILLS.map((drill) => drill.id);
      // The drop-table drill needs a database section; serve never connects to it (no run starts).
      const database = { url: { env: 'STAGING_DATABASE_URL' }, allowedTables: ['public.orders'] };
      await writeFile(
        config,
        stringify({
          builtInDrills: true,
          catalogue: ['drills/'],
          environments: Object.fromEntries(ENVIRONMENTS.map((name) => [name, { drills, postgres: database }])),
          ...(Object.keys(server).length ? { server } : {}),
        }),
      );
      const serve = follow(
        spawnCli(['serve', '--port', '0', '--config', config], {
          env: { DATABASE_URL: databaseUrl, STAGING_DATABASE_URL: postgres.url('shop'), FIREDRILL_STATE_DIR: join(dir, `state-${serves}`), ...env },
        }),
      );
      const stopServe = async () => {
        if (serve.child.exitCode !== null || serve.child.signalCode !== null) return;
        serve.child.kill('SIGTERM');
        await serve.exited;
      };
      stops.push(stopServe);
      const [, url] = await serve.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      return { url: url!, serve, stop: stopServe };
    };

    const started = await startServe(first.server ?? {}, first.env);
    return { url: started.url, runs, serve: started.serve, startServe, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The catalogue's own drill beside the built-in ones (the `flag-outage` of the known runs). */
const FLAG_OUTAGE_DRILL = `id: flag-outage
title: A bad feature flag takes the shop down
kind: command
target:
  inject: "true"
  undo: "true"
severity: low
objectives: { rto: 10m }
steadyState:
  probes: [{ type: command, name: shop up, run: "true" }]
detection:
  alerts: [{ match: ['alertname=ShopDown'] }]
recovery: { mode: manual }
maxDuration: 30m
`;

/**
 * The world and the browser, started side by side; if either fails, the other is stopped before
 * the error is thrown, so a failed start leaves no server or browser behind.
 */
export async function startPagesAndBrowser(first: Parameters<typeof startPagesWorld>[0] = {}): Promise<{ world: PagesWorld; browser: Browser }> {
  const [world, browser] = await Promise.allSettled([startPagesWorld(first), launchChromium()]);
  if (world.status === 'fulfilled' && browser.status === 'fulfilled') return { world: world.value, browser: browser.value };
  if (browser.status === 'fulfilled') await browser.value.close();
  if (world.status === 'fulfilled') await world.value.stop();
  throw world.status === 'rejected' ? world.reason : (browser as PromiseRejectedResult).reason;
}
