import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { findEvents, type RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runCli, spawnCli, type CliResult } from './cli.js';

/** A moment of a run at which firedrill is killed: the first journaled event that matches. */
export interface KillPoint {
  name: string;
  at(event: RunEvent, before: readonly RunEvent[]): boolean;
}

const injectedBefore = (before: readonly RunEvent[]) => before.some((event) => event.type === 'injected');
const started = (role: string) => (event: RunEvent) => event.type === 'process-started' && event.role === role;

/** The states of a run the crash suites kill firedrill in. */
export const KILL_POINTS = {
  preflight: { name: 'preflight', at: (event) => event.type === 'preflight-check' },
  undoRecorded: { name: 'between undo-recorded and injection', at: (event) => event.type === 'undo-recorded' },
  injecting: { name: 'during the injection', at: (event) => event.type === 'injecting' },
  slowInject: { name: 'during a slow injection', at: started('inject') },
  awaitingDetection: { name: 'waiting for detection', at: (event) => event.type === 'injected' },
  recovering: { name: 'during recovery', at: started('runbook') },
  verifying: { name: 'during verification', at: (event, before) => event.type === 'recovered' && injectedBefore(before) },
  undoing: { name: 'during the undo', at: (event) => event.type === 'rollback-started' },
} satisfies Record<string, KillPoint>;

export interface CrashOptions {
  store: RunStore;
  environment: string;
  /** `firedrill run ...` arguments, config included. */
  runArgs: string[];
  env: NodeJS.ProcessEnv;
  killPoint: KillPoint;
  /** Called once when the run has injected, e.g. to abort it so that its undo starts. */
  afterInjected?: (runId: string) => Promise<void>;
  timeoutMs?: number;
}

/**
 * Starts `firedrill run` as a real process, kills it with SIGKILL as soon as the kill point is
 * journaled, and returns the run's id with what the killed process had journaled.
 */
export interface Killed {
  runId: string;
  killedAfter: RunEvent[];
  /** A fast last step can finish in the moments before the kill lands: then nothing was left to recover. */
  finishedBeforeKill: boolean;
  /** Whether `afterInjected` started another command, which may have been the one to recover the run. */
  nudged: boolean;
}

export async function runAndKill(options: CrashOptions): Promise<Killed> {
  const child = spawnCli(options.runArgs, { env: options.env });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  let unwatch: (() => Promise<void>) | undefined;
  // The other command started after the injection ends before this returns: it rolls back, at
  // its own start, every run whose owner is gone, so one still starting when the next case
  // kills its run could take that run over from the command the case means to test.
  let nudging: Promise<void> | undefined;
  try {
    let runId: string | undefined;
    while (!runId) {
      [runId] = (await options.store.active(options.environment)).map((run) => run.id);
      if (child.exitCode !== null) throw new Error(`firedrill run ended before it started a run:\n${output}`);
      if (Date.now() > deadline) throw new Error(`no run started:\n${output}`);
      if (!runId) await sleep(5);
    }
    let nudged = false;
    // Heard through LISTEN as each event is appended: the kill lands within moments of the state.
    const killed = new Promise<RunEvent[]>((resolve) => {
      const seen = new Map<number, RunEvent>();
      const consider = (event: RunEvent) => {
        if (seen.has(event.seq)) return;
        seen.set(event.seq, event);
        const before = [...seen.values()].filter((other) => other.seq < event.seq).sort((a, b) => a.seq - b.seq);
        if (options.killPoint.at(event, before)) {
          child.kill('SIGKILL');
          resolve([...before, event]);
        } else if (!nudged && options.afterInjected && event.type === 'injected') {
          nudged = true;
          nudging = options.afterInjected(runId).catch(() => undefined);
        }
      };
      void options.store.watch(runId, consider).then(async (stop) => {
        unwatch = stop;
        for (const event of await options.store.events(runId)) consider(event);
      });
    });
    const outcome = await Promise.race([killed, exited.then(() => undefined), sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    if (outcome === undefined) throw new Error(`firedrill run ended before "${options.killPoint.name}":\n${output}`);
    if (outcome === null) throw new Error(`"${options.killPoint.name}" was not reached:\n${output}`);
    await exited;
    const finishedBeforeKill = (await options.store.get(runId))?.finishedAt != null;
    return { runId, killedAfter: outcome, finishedBeforeKill, nudged };
  } finally {
    await unwatch?.();
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await nudging;
  }
}

/** Any firedrill command: its start rolls back what the killed process left. */
export function anyCommand(config: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runCli(['status', '--config', config], { env });
}

/**
 * What must hold after any crash, once another firedrill command has started: the run is
 * finished and scored aborted, the outcome printed is the one stored, its journal is complete
 * (every undo done after the last rollback began, every process it started ended, scored last).
 */
export async function expectRolledBack(store: RunStore, killed: Killed, recovery: CliResult): Promise<RunEvent[]> {
  const { runId } = killed;
  const summary = await store.get(runId);
  expect(summary?.finishedAt, recovery.stderr).not.toBeNull();
  expect(summary?.outcome).toBe('aborted');
  const events = await store.events(runId);
  if (!killed.finishedBeforeKill) {
    // Rolled back by a command started after the kill: this one, or one that was already starting (an abort).
    expect(events.some((event) => event.type === 'failed' && event.error.startsWith('firedrill stopped in the middle of this run'))).toBe(true);
    const reported = new RegExp(`run ${runId} \\(.*\\): rolled-back: .*scored (\\w+)`).exec(recovery.stderr);
    if (!killed.nudged) expect(reported, recovery.stderr).not.toBeNull();
    // What it printed is what it stored.
    if (reported) expect(reported[1]).toBe('aborted');
  }
  if (events.length === 0) return events;
  expect(events.at(-1)?.type).toBe('scored');
  expect((await store.scorecard(runId))?.outcome).toBe('aborted');
  const recorded = findEvents(events, 'undo-recorded');
  if (recorded.length > 0) {
    const lastRollback = findEvents(events, 'rollback-started').at(-1)!;
    const after = events.filter((event) => event.seq > lastRollback.seq);
    expect(findEvents(after, 'undo-done')).toHaveLength(recorded.length);
    expect(findEvents(after, 'rolled-back')).toHaveLength(1);
  }
  const ended = new Set(findEvents(events, 'process-ended').map((event) => event.pid));
  for (const process of findEvents(events, 'process-started')) expect(ended, `process ${process.pid} (${process.role})`).toContain(process.pid);
  return events;
}
