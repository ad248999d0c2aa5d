import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Bucket } from '../../src/storage/bucket-schema.js';
import { UserError } from '../../src/errors.js';
import type { ObjectStore, StoredObject } from '../../src/storage/object-store.js';

/**
 * An S3 client for one configured bucket. Credentials come from the named environment
 * variables when the configuration names them, otherwise from the AWS SDK's default chain
 * (environment, profile, instance role, ...).
 */
export function s3ClientFor(bucket: Bucket, env: NodeJS.ProcessEnv = process.env, options: { timeoutMs?: number } = {}): S3Client {
  const config: S3ClientConfig = {
    region: bucket.region,
    forcePathStyle: bucket.forcePathStyle,
    // Newer SDKs add CRC checksums (aws-chunked trailers) to every upload; S3-compatible
    // servers that do not understand them (s3rver among them) store the framing as data.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (bucket.endpoint) config.endpoint = bucket.endpoint;
  if (options.timeoutMs !== undefined) {
    // A check that must answer quickly: one try, and no endless wait on a silent endpoint.
    config.maxAttempts = 1;
    config.requestHandler = { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs };
  }
  if (bucket.accessKeyIdEnv || bucket.secretAccessKeyEnv) {
    config.credentials = {
      accessKeyId: requiredVariable(env, bucket.accessKeyIdEnv, 'accessKeyIdEnv', bucket),
      secretAccessKey: requiredVariable(env, bucket.secretAccessKeyEnv, 'secretAccessKeyEnv', bucket),
    };
  }
  return new S3Client(config);
}

/** The store for one configured bucket (and its prefix). */
export function s3ObjectStoreFor(bucket: Bucket, env: NodeJS.ProcessEnv = process.env): S3ObjectStore {
  return new S3ObjectStore(s3ClientFor(bucket, env), bucket.bucket, bucket.prefix);
}

function requiredVariable(
  env: NodeJS.ProcessEnv,
  name: string | undefined,
  key: 'accessKeyIdEnv' | 'secretAccessKeyEnv',
  bucket: Bucket,
): string {
  if (!name) {
    const other = key === 'accessKeyIdEnv' ? 'secretAccessKeyEnv' : 'accessKeyIdEnv';
    throw new UserError(
      `bucket ${bucket.bucket}: ${other} is set but ${key} is not`,
      `set both accessKeyIdEnv and secretAccessKeyEnv, or neither to use the AWS SDK default credentials`,
    );
  }
  const value = env[name];
  if (!value) {
    throw new UserError(
      `bucket ${bucket.bucket}: the environment variable ${name} (${key}) is not set`,
      `export ${name} before starting firedrill, or remove ${key} to use the AWS SDK default credentials`,
    );
  }
  return value;
}

/**
 * 5 MiB parts (S3's minimum; at most 10,000 parts make 48 GiB), four uploading while the next
 * fills: a backup's peak memory stays near 100 MiB above idle whatever the table's size
 * (test/bench/restore-bench.ts), and larger parts or fewer in flight measured no better.
 */
const UPLOAD_PART_BYTES = 5 * 2 ** 20;
const UPLOAD_QUEUE = 4;

/** An ObjectStore on an S3 bucket; every key is relative to `prefix`. */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  private readonly prefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix = '',
  ) {
    // A prefix names a folder: `backups` and `backups/` mean the same thing.
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.location = `s3://${bucket}/${this.prefix}`;
  }

  async put(key: string, body: Readable | Buffer | string): Promise<void> {
    // Upload switches to multipart above one part, so bodies of unknown length stream
    // through in parts instead of being buffered whole: at most UPLOAD_QUEUE parts in flight
    // and one filling bound the memory a backup of any size takes.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.fullKey(key), Body: body },
      partSize: UPLOAD_PART_BYTES,
      queueSize: UPLOAD_QUEUE,
    });
    await this.explain(() => upload.done(), key);
  }

  async get(key: string): Promise<Readable> {
    const output = await this.explain(
      () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) })),
      key,
    );
    if (!(output.Body instanceof Readable)) throw new Error(`${this.location}${key}: the S3 client returned no stream`);
    return output.Body;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.explain(() =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.fullKey(prefix), ContinuationToken: token }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        objects.push({
          key: item.Key.slice(this.prefix.length),
          size: item.Size ?? 0,
          lastModified: item.LastModified ?? new Date(0),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async delete(key: string): Promise<void> {
    await this.explain(
      () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) })),
      key,
    );
  }

  private fullKey(key: string): string {
    return this.prefix + key;
  }

  /** Runs an S3 call, turning the failures a person can fix into UserErrors with a remedy. */
  private async explain<T>(call: () => Promise<T>, key?: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw await this.userErrorFor(error, key) ?? error;
    }
  }

  private async userErrorFor(error: unknown, key: string | undefined): Promise<UserError | undefined> {
    const name = error instanceof Error ? error.name : '';
    const endpoint = await this.endpointDescription();
    switch (name) {
      case 'NoSuchBucket':
        return new UserError(
          `the bucket ${this.bucket} does not exist at ${endpoint}`,
          `create it, or fix the bucket name, region or endpoint in the environment's buckets configuration`,
        );
      case 'NoSuchKey':
        return new UserError(`${this.location}${key ?? ''} does not exist`);
      case 'AccessDenied':
      case 'InvalidAccessKeyId':
      case 'SignatureDoesNotMatch':
      case 'CredentialsProviderError':
        return new UserError(
          `${endpoint} refused access to the bucket ${this.bucket} (${name})`,
          `check the credentials (accessKeyIdEnv / secretAccessKeyEnv or the AWS SDK chain) and the bucket policy`,
        );
    }
    const code = networkErrorCode(error);
    if (code) {
      return new UserError(
        `cannot reach the S3 endpoint ${endpoint} for bucket ${this.bucket} (${code})`,
        `check that the server is running and that endpoint/region are right in the environment's buckets configuration`,
      );
    }
    return undefined;
  }

  private async endpointDescription(): Promise<string> {
    const provider = this.client.config.endpoint;
    if (!provider) return `S3 (region ${await this.client.config.region()})`;
    const { protocol, hostname, port } = await provider();
    return `${protocol}//${hostname}${port ? `:${port}` : ''}`;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Node reports a refused connection as an error, or an AggregateError (one per address), with a `code`. */
function networkErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = networkErrorCode(inner);
      if (found) return found;
    }
  }
  return networkErrorCode((error as { cause?: unknown }).cause);
}
