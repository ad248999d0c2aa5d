import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessRole, RunEvent } from '../../src/engine/events.js';
import { endOwnedProcesses } from '../../src/engine/owned-processes.js';
import { recordingProcessJournal } from '../support/process-journal.js';
import { isRunning, killIfRunning, pidIn, startTicksOf } from '../support/processes.js';

let dir: string;
const started = new Set<number>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-owned-'));
});

afterAll(async () => {
  killIfRunning(started);
  await rm(dir, { recursive: true, force: true });
});

/** A process group as firedrill starts one (detached: a session of its own), left running as a crashed firedrill leaves it. */
function orphanGroup(script: string): number {
  const child = spawn('/bin/sh', ['-c', script], { cwd: dir, detached: true, stdio: 'ignore' });
  child.unref();
  started.add(child.pid!);
  return child.pid!;
}

let seq = 0;
const event = (body: { type: 'process-started'; role: ProcessRole; command: string; pid: number; startTicks: string | null } | { type: 'process-ended'; pid: number; status: string }): RunEvent =>
  ({ ...body, seq: ++seq, at: new Date().toISOString(), mono: performance.now(), clock: 'test' }) as RunEvent;

const startedEvent = (pid: number, startTicks: string | null, command = 'the inject') => event({ type: 'process-started', role: 'inject', command, pid, startTicks });

describe('ending the commands a crashed run left running', () => {
  it('ends a journaled group whose start time matches, all of it, and journals its end', async () => {
    const pid = orphanGroup('sleep 30 & echo $! > matching-child; wait');
    const child = await pidIn(join(dir, 'matching-child'));
    started.add(child);
    const record = recordingProcessJournal();

    const reports = await endOwnedProcesses([startedEvent(pid, startTicksOf(pid))], record, { graceMs: 2_000 });

    expect([isRunning(pid), isRunning(child)]).toEqual([false, false]);
    expect(reports).toEqual([{ pid, command: 'the inject', outcome: 'ended', status: 'ended by SIGTERM before the undo (firedrill had stopped while it ran)' }]);
    expect(record.events).toEqual([{ type: 'ended', pid, status: reports[0]!.status }]);
  });

  it('does not kill a process whose start time does not match: the pid was reused', async () => {
    const pid = orphanGroup('sleep 30');
    const wrongTicks = String(BigInt(startTicksOf(pid)) - 1n);
    const record = recordingProcessJournal();

    const reports = await endOwnedProcesses([startedEvent(pid, wrongTicks)], record, { graceMs: 200 });

    expect(isRunning(pid)).toBe(true);
    expect(reports).toEqual([
      { pid, command: 'the inject', outcome: 'not-ours', status: `not ended: pid ${pid} is now another process (started at tick ${startTicksOf(pid)}, ours at ${wrongTicks})` },
    ]);
    expect(record.events).toEqual([{ type: 'ended', pid, status: reports[0]!.status }]);
    process.kill(-pid, 'SIGKILL');
  });

  it('ends what is left of a group whose shell has ended', async () => {
    // The shell waits for its stdin to close, so that its start time can be read while it runs.
    const shell = spawn('/bin/sh', ['-c', 'sleep 30 & echo $! > left-child; read line'], { cwd: dir, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = shell.pid!;
    started.add(pid);
    const child = await pidIn(join(dir, 'left-child'));
    started.add(child);
    const shellTicks = startTicksOf(pid);
    shell.stdin.end();
    await once(shell, 'exit');
    expect([isRunning(pid), isRunning(child)]).toEqual([false, true]);

    const reports = await endOwnedProcesses([startedEvent(pid, shellTicks)], recordingProcessJournal(), { graceMs: 2_000 });

    expect(isRunning(child)).toBe(false);
    expect(reports.map((report) => report.outcome)).toEqual(['ended']);
  });

  it('leaves alone what the journal already saw end, and journals a group that is gone as gone', async () => {
    const endedPid = orphanGroup('sleep 30');
    const record = recordingProcessJournal();
    const goneEvents = [startedEvent(999_999_999, '1')];

    const reports = await endOwnedProcesses(
      [startedEvent(endedPid, startTicksOf(endedPid)), event({ type: 'process-ended', pid: endedPid, status: 'exit 0' }), ...goneEvents],
      record,
    );

    expect(isRunning(endedPid)).toBe(true);
    expect(reports).toEqual([{ pid: 999_999_999, command: 'the inject', outcome: 'gone', status: 'already gone (firedrill stopped before it could journal the end)' }]);
    process.kill(-endedPid, 'SIGKILL');
  });

  it('does not kill a group it cannot identify (no start time was recorded)', async () => {
    const pid = orphanGroup('sleep 30');
    const reports = await endOwnedProcesses([startedEvent(pid, null)], recordingProcessJournal());

    expect(isRunning(pid)).toBe(true);
    expect(reports[0]?.outcome).toBe('unverifiable');
    expect(reports[0]?.status).toContain('if `the inject` still runs, end it by hand');
    process.kill(-pid, 'SIGKILL');
  });
});
