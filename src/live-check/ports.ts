import type { Bucket } from '../storage/bucket-schema.js';
import type { Environment } from '../config/config-schema.js';
import type { Trust } from '../trust/trust-schema.js';
import type { Circle } from '../trust/circle.js';

/**
 * What a live check asks of the outside world. Every call reads; none changes anything.
 * The composition root implements them with pg, client-node, the S3 SDK and openpgp.
 */
export interface LiveCheckPorts {
  /** The environment's database, not connected yet: `label` names it without the password. */
  database(environmentName: string, environment: Environment): Promise<LiveDatabase>;
  /** The environment's kubeconfig read and its context chosen (throws a UserError when it cannot be). */
  cluster(environmentName: string, environment: Environment): LiveCluster;
  bucket(bucket: Bucket): LiveBucket;
  /** The circle with every holder's public key read (throws a UserError naming the unreadable ones). */
  circle(trust: Trust): Promise<{ circle: Circle; close(): void }>;
  /** What is at `file`, for command files. */
  file(file: string): Promise<FileState>;
}

export interface LiveDatabase {
  /** `host:port/database` as the config spells it. */
  label: string;
  /** Connects and asks the server who it is, read-only: the first statement on the connection. */
  identify(): Promise<{ database: string; version: string }>;
  /** Of `schema.table` names, those the database does not have. */
  missingTables(tables: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface LiveCluster {
  context: string;
  server: string;
  /** The API server's version (`GET /version`). */
  version(): Promise<string>;
}

export interface LiveBucket {
  /** `s3://bucket/prefix/` */
  location: string;
  /** The newest complete backup of `table` (schema.table), if any; throws when the bucket cannot be read. */
  newestBackup(table: string): Promise<{ key: string; takenAt: Date; rows: number } | undefined>;
  close(): void;
}

export type FileState = 'executable' | 'file' | 'folder' | 'missing';
