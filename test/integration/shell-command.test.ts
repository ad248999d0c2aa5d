import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShellCommand, type Shell } from '../../src/probes/shell-command.js';
import { recordingProcessJournal } from '../support/process-journal.js';
import { isRunning, killIfRunning, pidIn } from '../support/processes.js';

let dir: string;
const started = new Set<number>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-shell-'));
});

afterAll(async () => {
  killIfRunning(started);
  await rm(dir, { recursive: true, force: true });
});

function shell(overrides: Partial<Shell> = {}): Shell & { processes: ReturnType<typeof recordingProcessJournal> } {
  return { cwd: dir, env: { PATH: process.env.PATH }, processes: recordingProcessJournal(), graceMs: 2_000, ...overrides } as Shell & {
    processes: ReturnType<typeof recordingProcessJournal>;
  };
}

const exists = (file: string) => access(join(dir, file)).then(() => true, () => false);
const remember = async (file: string) => {
  const pid = await pidIn(join(dir, file));
  started.add(pid);
  return pid;
};

describe('a command firedrill starts', () => {
  it('runs in a process group and session of its own, journaled before it runs and once the group is gone', async () => {
    const where = shell();
    let seenAtStart: { pgrp: string; session: string; ticks: string } | undefined;
    where.processes.started = async (process) => {
      where.processes.events.push({ type: 'started', ...process });
      const fields = (await readFile(`/proc/${process.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      seenAtStart = { pgrp: fields[2]!, session: fields[3]!, ticks: fields[19]! };
    };

    const result = await runShellCommand('echo "$$" > shell-pid; echo done', where, { role: 'probe', timeoutMs: 10_000 });

    expect(result).toMatchObject({ ok: true, status: 'exit 0', tail: 'done' });
    const pid = Number((await readFile(join(dir, 'shell-pid'), 'utf8')).trim());
    // The command's own shell is the journaled process: the pid is the group's id.
    expect(where.processes.events).toEqual([
      { type: 'started', role: 'probe', command: 'echo "$$" > shell-pid; echo done', pid, startTicks: seenAtStart?.ticks },
      { type: 'ended', pid, status: 'exit 0' },
    ]);
    expect(seenAtStart).toEqual({ pgrp: String(pid), session: String(pid), ticks: expect.stringMatching(/^\d+$/) });
  });

  it('does not run when the journal cannot record it', async () => {
    const where = shell();
    where.processes.started = async () => {
      throw new Error('store unreachable');
    };

    const result = await runShellCommand('touch ran-unrecorded', where, { role: 'inject', timeoutMs: 10_000 });

    expect(result).toMatchObject({ ok: false, status: 'not run: the journal could not record it (store unreachable)' });
    // The result comes once its shell is gone, so the command can no longer run later.
    expect(await exists('ran-unrecorded')).toBe(false);
  });

  it('ends what the command left running in its group when the command exits', async () => {
    const where = shell();
    const result = await runShellCommand('sleep 30 & echo $! > left-behind; echo started it', where, { role: 'inject', timeoutMs: 10_000 });

    const leftBehind = await remember('left-behind');
    expect(result).toMatchObject({ ok: true, status: 'exit 0', tail: 'started it' });
    expect(isRunning(leftBehind)).toBe(false);
    expect(where.processes.events.at(-1)).toEqual({ type: 'ended', pid: expect.any(Number), status: 'exit 0 (ended by SIGTERM)' });
  });

  it('ends the whole group on abort and resolves only once it is gone', async () => {
    const where = shell();
    const abort = new AbortController();
    const running = runShellCommand('echo $$ > abort-shell; sleep 30 & echo $! > abort-sleep; wait; touch abort-finished', where, {
      role: 'inject',
      timeoutMs: 60_000,
      signal: abort.signal,
    });
    const [shellPid, sleepPid] = [await remember('abort-shell'), await remember('abort-sleep')];
    expect(isRunning(shellPid) && isRunning(sleepPid)).toBe(true);

    abort.abort();
    const result = await running;

    expect(result).toMatchObject({ ok: false, status: 'aborted' });
    expect([isRunning(shellPid), isRunning(sleepPid)]).toEqual([false, false]);
    expect(await exists('abort-finished')).toBe(false);
    expect(where.processes.events.at(-1)).toEqual({ type: 'ended', pid: shellPid, status: 'aborted (ended by SIGTERM)' });
  });

  it('ends a group that ignores SIGTERM with SIGKILL after the grace period, at its timeout', async () => {
    const where = shell({ graceMs: 300 });
    const result = await runShellCommand("trap '' TERM; echo $$ > stubborn; sleep 30", where, { role: 'runbook', timeoutMs: 500 });

    const pid = await remember('stubborn');
    expect(result).toMatchObject({ ok: false, status: 'killed after the 500ms timeout' });
    expect(isRunning(pid)).toBe(false);
    expect(where.processes.events.at(-1)).toEqual({ type: 'ended', pid, status: 'killed after the 500ms timeout (ended by SIGKILL 0.3s after SIGTERM)' });
  });

  it('says where it could not start, and journals nothing', async () => {
    const where = shell({ cwd: join(dir, 'no-such-folder') });
    const result = await runShellCommand('true', where, { role: 'probe', timeoutMs: 1_000 });

    expect(result.ok).toBe(false);
    expect(result.status).toBe(
      `not run: its folder ${join(dir, 'no-such-folder')} does not exist (a command runs in the folder of the file that names it); create it or move the file back`,
    );
    expect(where.processes.events).toEqual([]);
  });
});
