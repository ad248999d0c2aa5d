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
  /** Runs just after the kill point is seen and before the kill, e.g. to make a step slow. */
  timeoutMs?: number;
}

/**
 * Starts `firedrill run` as a real process, kills it with SIGKILL as soon as the kill point is
 * journaled, and returns the run's id with what the killed process had journaled.
 */
export async function runAndKill(options: CrashOptions): Promise<{ runId: string; killedAfter: RunEvent[] }> {
  const child = spawnCli(options.runArgs, { env: options.env });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  try {
    for (;;) {
      const [run] = await options.store.active(options.environment);
      if (run) {
        const events = await options.store.events(run.id);
        const index = events.findIndex((event, at) => options.killPoint.at(event, events.slice(0, at)));
        if (index >= 0) {
          child.kill('SIGKILL');
          await exited;
          return { runId: run.id, killedAfter: events.slice(0, index + 1) };
        }
      }
      if (child.exitCode !== null) throw new Error(`firedrill run ended before "${options.killPoint.name}":\n${output}`);
      if (Date.now() > deadline) throw new Error(`"${options.killPoint.name}" was not reached:\n${output}`);
      await sleep(5);
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
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
export async function expectRolledBack(store: RunStore, runId: string, recovery: CliResult): Promise<RunEvent[]> {
  const summary = await store.get(runId);
  expect(summary?.finishedAt, recovery.stderr).not.toBeNull();
  expect(summary?.outcome).toBe('aborted');
  expect(recovery.stderr).toMatch(new RegExp(`run ${runId} \\(.*\\): rolled-back: .*scored aborted`));
  const events = await store.events(runId);
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
