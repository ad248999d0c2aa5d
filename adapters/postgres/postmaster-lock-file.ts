import { randomBytes } from 'node:crypto';
import { link, readFile, readdir, readlink, realpath, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What `postmaster.pid` says about the server of a data directory. */
export interface Postmaster {
  pid: number;
  port: number;
}

/** The server `postmaster.pid` names, running or not (a killed server leaves the file behind). */
export async function readPostmaster(pgdata: string): Promise<Postmaster | undefined> {
  const text = await readFile(join(pgdata, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const lines = text?.split('\n') ?? [];
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) && port > 0 ? { pid, port } : undefined;
}

/**
 * A killed server leaves its `postmaster.pid` behind. PostgreSQL removes such a file itself
 * when the process it names is gone, but not when that process is a zombie, and a killed
 * postmaster stays a zombie for good in a container whose init does not reap orphans (its
 * parent, pg_ctl, exited long ago): no server could ever start there again. So the file is
 * removed here when its process is dead or a zombie and no live process works in the data
 * directory (the postmaster and every backend have it as their working directory, so none
 * still holds the old shared memory). Linux only (it reads /proc); elsewhere PostgreSQL decides.
 */
export async function removeStaleLockFile(pgdata: string): Promise<void> {
  if (process.platform !== 'linux') return;
  const file = join(pgdata, 'postmaster.pid');
  const named = await readPostmaster(pgdata);
  if (!named || (await postmasterAlive(pgdata, named.pid)) || (await anyProcessWorkingIn(pgdata))) return;
  // Moved aside first: of two processes clearing it at once only one takes it, and a server
  // that started in between (its own file cannot have replaced this one: it would have
  // refused to start) is caught by the second look.
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  if (!(await rename(file, aside).then(() => true, () => false))) return;
  if (await anyProcessWorkingIn(pgdata)) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

/**
 * Whether `pid` is a live postmaster of `pgdata`. A process whose working directory cannot be
 * read (another user's) counts as alive, as PostgreSQL would count it; one working elsewhere
 * is not ours (its pid was reused).
 */
export async function postmasterAlive(pgdata: string, pid: number): Promise<boolean> {
  if (process.platform !== 'linux') {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (!(await isLive(pid))) return false;
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  return cwd === undefined || cwd === (await realpath(pgdata).catch(() => pgdata));
}

async function anyProcessWorkingIn(pgdata: string): Promise<boolean> {
  const directory = await realpath(pgdata).catch(() => pgdata);
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => undefined);
    if (cwd === directory && (await isLive(Number(entry)))) return true;
  }
  return false;
}

/** Running, not a zombie waiting for a parent that never reaps it. */
async function isLive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  // The state follows the command name, which is in parentheses and may itself hold any character.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
