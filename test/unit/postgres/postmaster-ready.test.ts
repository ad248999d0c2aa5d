import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { passwdEntry, postmasterReady } from '../../../adapters/postgres/embedded-cluster.js';

// postmasterReady reads postmaster.pid as pg_ctl does; a long-lived process working in the
// data directory stands in for the postmaster (postmasterAlive checks exactly that).
let pgdata: string;
let postmaster: ChildProcess;

beforeEach(async () => {
  pgdata = await mkdtemp(join(tmpdir(), 'firedrill-postmaster-ready-'));
  postmaster = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd: pgdata, stdio: 'ignore' });
  await once(postmaster, 'spawn');
});

afterEach(async () => {
  const exited = once(postmaster, 'exit');
  postmaster.kill();
  await exited;
  await rm(pgdata, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);

/** The lines PostgreSQL writes: pid, data directory, start time, port, socket dir, listen address, shmem key, status. */
const pidFile = (fields: { pid?: number; startedAt?: number; port?: number; status: string }) =>
  writeFile(
    join(pgdata, 'postmaster.pid'),
    [fields.pid ?? postmaster.pid, pgdata, fields.startedAt ?? now(), fields.port ?? 5499, '', '127.0.0.1', '  1234   5678', `${fields.status.padEnd(8)}`, ''].join('\n'),
  );

/** Whether postmasterReady resolves within `ms`. */
async function readyWithin(port: number, since: number, ms: number): Promise<boolean> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    await postmasterReady(pgdata, port, since, stop.signal);
    return true;
  } catch (error) {
    if (stop.signal.aborted) return false;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

describe('waiting for a starting PostgreSQL server', () => {
  it('waits while postmaster.pid says the server is starting, and ends once it says ready', async () => {
    await pidFile({ status: 'starting' });
    const since = now();
    const waiting = postmasterReady(pgdata, 5499, since, new AbortController().signal);
    let ended = false;
    void waiting.then(() => (ended = true));
    await new Promise((done) => setTimeout(done, 50));
    expect(ended).toBe(false);
    await pidFile({ status: 'ready' });
    await waiting;
  });

  it('takes a standby that accepts connections as started, as pg_ctl does', async () => {
    await pidFile({ status: 'standby' });
    expect(await readyWithin(5499, now(), 500)).toBe(true);
  });

  it('does not take another port’s server, a server started before, a dead one, or a file without a status for this one', async () => {
    await pidFile({ status: 'ready', port: 5500 });
    expect(await readyWithin(5499, now(), 200)).toBe(false);
    await pidFile({ status: 'ready', startedAt: now() - 60 });
    expect(await readyWithin(5499, now(), 200)).toBe(false);
    await pidFile({ status: 'ready', pid: 2 ** 22 + 1 });
    expect(await readyWithin(5499, now(), 200)).toBe(false);
    await writeFile(join(pgdata, 'postmaster.pid'), `${postmaster.pid}\n${pgdata}\n${now()}\n5499\n`);
    expect(await readyWithin(5499, now(), 200)).toBe(false);
  });
});

describe('the postgres user in /etc/passwd', () => {
  it('is read from its line, and absent when not listed', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\npostgresql:x:7:7::/:/bin/false\npostgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n';
    expect(passwdEntry(passwd)).toEqual({ uid: 101, gid: 104 });
    expect(passwdEntry('root:x:0:0:root:/root:/bin/bash\n')).toBeUndefined();
    expect(passwdEntry('postgres:x::104:::\n')).toBeUndefined();
  });
});
