import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** A bucket (or a prefix of one): where backups and sealed bundles live. */
export interface ObjectStore {
  /** Human-readable name for messages, e.g. `s3://acme-dr/backups/`. */
  readonly location: string;
  put(key: string, body: Readable | Buffer | string): Promise<void>;
  get(key: string): Promise<Readable>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  delete(key: string): Promise<void>;
}
