import S3rver from 's3rver';

export interface LocalS3Server {
  /** e.g. `http://127.0.0.1:41234`; use with forcePathStyle. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

export interface LocalS3ServerOptions {
  /** Where objects are kept on disk. */
  directory: string;
  /** Buckets created before the server accepts requests. */
  buckets: string[];
}

// s3rver accepts only its built-in key pair.
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

/**
 * A local S3-compatible server (s3rver) on 127.0.0.1, for tests and the demo sandbox.
 * It listens on a port the kernel picks, so two servers never race for one port, and it
 * is silent so its request log never mixes with a scorecard.
 */
export async function startLocalS3Server(options: LocalS3ServerOptions): Promise<LocalS3Server> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    // Path-style only: virtual-host buckets would need DNS names like bucket.127.0.0.1.
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    stop: () => (stopped ??= server.close()),
  };
}
