import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join, dirname } from 'node:path';
const ec = await import('/work/main/dist/adapters/postgres/embedded-cluster.js');
const cluster = await ec.prepareCluster('/tmp/sv/state/store', { durable: true });
const port = 25990;
const flags = [`-p ${port}`, '-c listen_addresses=127.0.0.1', "-c unix_socket_directories=''", '-c shared_buffers=32MB'];
const res = { pgctl: [], direct: [] };
for (let r = 0; r < 7; r++) for (const mode of ['pgctl', 'direct']) {
  const since = Math.floor(Date.now() / 1000);
  const t = performance.now();
  let child;
  if (mode === 'pgctl') child = spawn(cluster.binaries.pg_ctl, ['start', '-w', '-t', '60', '-D', cluster.pgdata, '-l', cluster.logFile, '-o', flags.join(' ')], { ...cluster.runAs, detached: true, stdio: 'ignore', env: { ...process.env, LC_ALL: 'C' } });
  else { const log = openSync(cluster.logFile, 'a'); child = spawn(join(dirname(cluster.binaries.pg_ctl), 'postgres'), ['-D', cluster.pgdata, ...flags.flatMap((f) => f.startsWith('-p') ? ['-p', String(port)] : ['-c', f.slice(3)])], { ...cluster.runAs, detached: true, stdio: ['ignore', log, log], env: { ...process.env, LC_ALL: 'C' } }); closeSync(log); child.unref(); }
  const stop = new AbortController();
  await ec.postmasterReady(cluster.pgdata, port, since, stop.signal);
  res[mode].push(performance.now() - t);
  if (mode === 'pgctl') await new Promise((r2) => child.exitCode !== null ? r2() : child.on('exit', r2));
  await ec.stopPostmaster(cluster, 'fast');
}
for (const [k, v] of Object.entries(res)) console.log(k, 'median', v.sort((a, b) => a - b)[3].toFixed(0), v.map((x) => x.toFixed(0)).join(' '));
