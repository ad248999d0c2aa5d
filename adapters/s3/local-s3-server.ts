import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type S3rver from 's3rver';

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

type S3rverOptions = NonNullable<ConstructorParameters<typeof S3rver>[0]>;
type ChildMessage = { port: number } | { error: string };

// s3rver accepts only its built-in key pair.
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

/*
 * s3rver runs in its own node process because its ListObjectsV2 continuation tokens are
 * DES-encrypted, and Node's OpenSSL 3 offers DES only with --openssl-legacy-provider: in
 * this process any listing longer than one page would fail with InternalError. The child
 * exits when its parent does (the IPC channel closes), so no server outlives a test run.
 */
const CHILD = `
const [entry, options] = process.argv.slice(1);
const S3rver = require(entry);
const server = new S3rver(JSON.parse(options));
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 2000).unref();
  server.close().catch(() => {}).finally(() => process.exit(0));
  if (server.httpServer) server.httpServer.closeAllConnections();
};
process.on('message', (message) => { if (message === 'stop') stop(); });
process.on('disconnect', stop);
server.run().then(
  (address) => process.send({ port: address.port }),
  (error) => { process.send({ error: String((error && error.stack) || error) }); process.exit(1); },
);
`;

/**
 * A local S3-compatible server (s3rver) on 127.0.0.1, for tests and the demo sandbox. It
 * listens on a port the kernel picks, so two servers never race for one port, and it is
 * silent so its request log never mixes with a scorecard.
 */
export async function startLocalS3Server(options: LocalS3ServerOptions): Promise<LocalS3Server> {
  const serverOptions: S3rverOptions = {
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    // Path-style only: virtual-host buckets would need DNS names like bucket.127.0.0.1.
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  };
  const entry = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', CHILD, entry, JSON.stringify(serverOptions)],
    // Its own process group: Ctrl-C on the terminal goes to firedrill, which stops it in order.
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));

  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => [{ error: `exited with code ${String(code)}` }]),
  ])) as [ChildMessage];
  if ('error' in message) {
    child.kill('SIGKILL');
    throw new Error(`could not start the local S3 server in ${options.directory}: ${message.error}\n${stderr}`);
  }

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.send('stop');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return {
    endpoint: `http://127.0.0.1:${message.port}`,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    stop: () => (stopped ??= stop()),
  };
}
