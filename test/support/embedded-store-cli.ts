import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAbandonedServer } from '../../adapters/postgres/embedded-server.js';
import { openStore } from '../../src/compose/index.js';
import type { RunEvent } from '../../src/engine/events.js';
import { runCli, spawnCli, type CliResult } from './cli.js';
import { embeddedStoreIn, follow, writeCommandDrillConfig, type EmbeddedStoreProbe, type FollowedProcess } from './embedded-store.js';

/** Each CLI process loads the whole program from source (seconds on a busy machine): tests using them need time. */
export const CLI_TEST_TIMEOUT_MS = 180_000;

/**
 * firedrill commands on the embedded store of a temporary FIREDRILL_STATE_DIR (no store.url,
 * no DATABASE_URL), with a `command` drill whose fault is the file `outage`.
 */
export interface EmbeddedStoreCli {
  dir: string;
  store: EmbeddedStoreProbe;
  env: NodeJS.ProcessEnv;
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  start(args: string[], options?: { stdin?: 'pipe'; env?: NodeJS.ProcessEnv }): FollowedProcess;
  /** The exit code of a started process, once it has exited. */
  finished(started: FollowedProcess): Promise<number | null>;
  /** Starts `firedrill run flag-outage --json` and waits until its fault is injected. */
  startRun(env?: NodeJS.ProcessEnv): Promise<{ run: FollowedProcess; runId: string }>;
  /** What the store kept, read through the same openStore as the commands (a user like any other). */
  stored(runId: string): Promise<{ scorecard: unknown; events: RunEvent[] }>;
  outageExists(): Promise<boolean>;
  /** Kills what is still running, stops a server a killed process left, removes the directory. */
  cleanUp(): Promise<void>;
}

export async function embeddedStoreCli(drill: { maxDuration: string }): Promise<EmbeddedStoreCli> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-store-cli-'));
  const config = await writeCommandDrillConfig(dir, drill);
  const env: NodeJS.ProcessEnv = { FIREDRILL_STATE_DIR: join(dir, 'state'), DATABASE_URL: '', FIREDRILL_ALERT_TOKEN: 'alert-token-for-tests' };
  const store = embeddedStoreIn(join(dir, 'state'));
  const running = new Set<FollowedProcess>();
  const outageExists = () => access(join(dir, 'outage')).then(() => true, () => false);

  const start: EmbeddedStoreCli['start'] = (args, options = {}) => {
    const started = follow(spawnCli([...args, '--config', config], { env: { ...env, ...options.env }, stdin: options.stdin }));
    running.add(started);
    void started.exited.then(() => running.delete(started));
    return started;
  };

  return {
    dir,
    store,
    env,
    cli: (args, extra) => runCli([...args, '--config', config], { env: { ...env, ...extra } }),
    start,
    finished: (started) => started.exited,
    async startRun(extra) {
      const run = start(['run', 'flag-outage', '--env', 'staging', '--json', '--as', 'alice'], { env: extra });
      const early = run.exited.then((code) => Promise.reject(new Error(`run exited (${String(code)}) before injecting:\n${run.stderr()}`)));
      const runId = await Promise.race([store.injectedRun(), early]);
      return { run, runId };
    },
    async stored(runId) {
      const opened = await openStore(undefined, { configDir: dir, env });
      try {
        return { scorecard: await opened.store.scorecard(runId), events: await opened.store.events(runId) };
      } finally {
        await opened.close();
      }
    },
    outageExists,
    async cleanUp() {
      for (const started of running) {
        started.child.kill('SIGKILL');
        await started.exited;
      }
      await store.mendConfig();
      // A killed last user leaves the server running; nobody else would stop it here.
      await stopAbandonedServer(join(dir, 'state', 'store'));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
