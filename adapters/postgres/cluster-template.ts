import { chown, cp, lstat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { prepareCluster } from './embedded-cluster.js';

/**
 * Fills `dataDir` (which must not hold a cluster yet) with a copy of a throw-away cluster
 * initialised once in `templateDir`: copying a fresh data directory takes a fraction of a
 * second, `initdb` several. The copy keeps the template's password, so it is only for
 * clusters on loopback that are thrown away (the demo's sandbox shop).
 */
export async function copyClusterTemplate(templateDir: string, dataDir: string): Promise<void> {
  // 1 MiB WAL segments: a fresh cluster's first segment is preallocated in full, and at the
  // default 16 MiB it was 40% of what every demo copies.
  const template = await prepareCluster(templateDir, { durable: false, walSegmentMiB: 1 });
  const target = resolve(dataDir);
  // Only the cluster and its password: not what another process may be initialising beside them.
  const wanted = new Set([template.dataDir, template.pgdata, join(template.dataDir, 'password')]);
  const filter = (source: string) => wanted.has(source) || source.startsWith(`${template.pgdata}/`);
  await cp(template.dataDir, target, { recursive: true, errorOnExist: true, force: false, filter });
  const { uid, gid } = template.runAs;
  // Running as root, PostgreSQL runs as its own user, who must own every file it copied.
  if (uid !== undefined) await chownTree(target, uid, gid ?? uid);
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  if (!(await lstat(path)).isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
}
