import type { Drill } from '../catalogue/drill-schema.js';
import { runtimeFactory } from '../compose/index.js';
import type { Clock } from '../engine/clock.js';
import type { RunEvent } from '../engine/events.js';
import type { RunStore } from '../engine/ports.js';
import { runDrill, type RunResult } from '../engine/run-drill.js';
import type { Logger } from '../log.js';
import { startHttpServer } from '../server/http-server.js';
import { UserError } from '../errors.js';
import { startMonitor } from './monitor.js';
import { SANDBOX_ENVIRONMENT, startSandbox, type Sandbox } from './sandbox.js';

export interface DemoOptions {
  drill: Drill;
  /** Still opening, perhaps: the sandbox starts meanwhile. */
  store: Promise<RunStore>;
  clock: Clock;
  log: Logger;
  onEvent?: (event: RunEvent, runId: string) => void;
  onStage?: (text: string) => void;
  interrupt?: AbortSignal;
}

const TIMING = { orderEveryMs: 100, backupEveryMs: 3_000, monitorEveryMs: 250, strikeAfterMs: { min: 300, max: 1_000 } };
/** How long the strike waits at most for the shop's first orders after the backup. */
const MAX_ORDER_WAIT_MS = 5_000;
/** The demo's delayed standby: late enough for the monitor to notice the drop well within it, on a loaded machine too; short enough to wait for. */
const DEMO_REPLICA_DELAY_MS = 8_000;

/** The whole drill on the embedded sandbox: inject, be detected by monitoring, restore, score. */
export async function runDemo(options: DemoOptions): Promise<RunResult> {
  const stage = options.onStage ?? (() => undefined);
  const recovery = options.drill.recovery;
  const withReplica = recovery.mode === 'automated' && recovery.runbook.action === 'rescue-from-delayed-replica';
  stage(`starting the sandbox: shop database, ${withReplica ? `a standby applying its changes ${DEMO_REPLICA_DELAY_MS / 1000}s late, ` : ''}S3 server, backup job`);
  const starting = startSandbox({ ...TIMING, ...(withReplica && { delayedReplicaMs: DEMO_REPLICA_DELAY_MS }) });
  let sandbox: Sandbox;
  let store: RunStore;
  try {
    [sandbox, store] = await Promise.all([starting, options.store]);
  } catch (error) {
    await starting.then((started) => started.stop(), () => undefined);
    throw error;
  }
  try {
    const server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      alertToken: sandbox.alertToken,
      log: options.log,
      intake: {
        store,
        clock: options.clock,
        drillFor: (run) => (run.drill === options.drill.id ? options.drill : undefined),
      },
    });
    const monitor = startMonitor(sandbox.shop.pool, `${server.url}/hooks/alertmanager`, sandbox.alertToken, TIMING.monitorEveryMs);
    try {
      // The sandbox is up once the first backup is in the bucket, so there is something to restore.
      // Disasters do not wait for the backup job either: strike soon, at a random moment, so that
      // the orders taken since that backup are what the restore loses (the RPO).
      const strikeAfterMs = TIMING.strikeAfterMs.min + Math.random() * (TIMING.strikeAfterMs.max - TIMING.strikeAfterMs.min);
      stage(`the shop is taking orders and backing them up every ${TIMING.backupEveryMs / 1000}s`);
      stage(`the first backup is in the bucket; the drill strikes in ${(strikeAfterMs / 1000).toFixed(1)}s`);
      const ordersBefore = sandbox.shop.stats().written;
      await options.clock.sleep(strikeAfterMs, options.interrupt);
      // On a loaded machine the order timer can lag: wait (briefly) for an order the backup cannot have,
      // so that there is a loss to measure. Two, since one may have been in flight as the backup read.
      for (let waited = 0; sandbox.shop.stats().written < ordersBefore + 2 && waited < MAX_ORDER_WAIT_MS && !options.interrupt?.aborted; waited += TIMING.orderEveryMs) {
        await options.clock.sleep(TIMING.orderEveryMs, options.interrupt);
      }
      if (options.interrupt?.aborted) throw new UserError('interrupted before the drill started: nothing was injected');
      stage(`running drill ${options.drill.id}`);
      return await runDrill(
        { store, clock: options.clock, runtimes: runtimeFactory({ configDir: process.cwd(), env: sandbox.env }) },
        {
          drill: options.drill,
          environmentName: SANDBOX_ENVIRONMENT,
          environment: sandbox.environment,
          requestedBy: 'demo',
          onEvent: options.onEvent,
          interrupt: options.interrupt,
        },
      );
    } finally {
      await monitor.stop();
      await server.close();
    }
  } finally {
    stage('stopping the sandbox');
    await sandbox.stop();
  }
}
