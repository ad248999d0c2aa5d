import { holdersAmong, readText, type Circle, type CircleBucket, type Holder } from './circle.js';
import { latestManifest, readManifest } from './manifest.js';

export interface Quorum {
  /** Remaining holders who are recipients of every sealed file. */
  holders: Holder[];
  files: number;
  /** Why someone is missing, per file: for the scorecard's detail line. */
  gaps: string[];
}

/**
 * Who among `remaining` could still decrypt everything, judged from the sealed objects
 * themselves (their recipient packets) in the buckets that are left, not from the
 * manifest's claims: an object someone re-encrypted by hand counts as it really is.
 */
export async function quorumLeft(circle: Circle, remaining: readonly Holder[], buckets: readonly CircleBucket[]): Promise<Quorum> {
  const reads = await Promise.all(buckets.map((bucket) => readManifest(bucket.store, circle.pgp)));
  const latest = latestManifest(reads);
  if (!latest) return { holders: [], files: 0, gaps: ['no signed manifest can be read in the buckets left'] };
  let able = [...remaining];
  const gaps: string[] = [];
  for (const file of latest.files) {
    const recipients = await recipientsOf(circle, buckets, file.object);
    if (!recipients) {
      gaps.push(`${file.object} cannot be read from any bucket left`);
      able = [];
      continue;
    }
    const readers = new Set(holdersAmong(recipients, remaining).map((holder) => holder.name));
    const missing = able.filter((holder) => !readers.has(holder.name));
    if (missing.length) gaps.push(`${missing.map((holder) => holder.name).join(', ')} cannot decrypt ${file.object}`);
    able = able.filter((holder) => readers.has(holder.name));
  }
  return { holders: able, files: latest.files.length, gaps };
}

async function recipientsOf(circle: Circle, buckets: readonly CircleBucket[], key: string): Promise<string[] | undefined> {
  for (const bucket of buckets) {
    try {
      if (!(await bucket.store.list(key)).some((object) => object.key === key)) continue;
      return await circle.pgp.recipientKeyIds(await readText(bucket.store, key));
    } catch {
      // An unreachable bucket is what this drill rehearses: try the next one.
    }
  }
  return undefined;
}
