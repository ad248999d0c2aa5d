import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { S3ObjectStore, s3ClientFor } from '../../adapters/s3/s3-object-store.js';
import { freePort } from '../../src/net/free-port.js';
import { startTestS3, type TestS3 } from '../support/servers.js';

const MiB = 1024 * 1024;

/** A body whose length the uploader cannot know in advance: 6.5 MiB in uneven chunks. */
function unknownLengthBody(size: number): { stream: Readable; sha256: string } {
  const data = randomBytes(size);
  let offset = 0;
  const stream = new Readable({
    read() {
      if (offset >= data.length) return void this.push(null);
      const chunk = data.subarray(offset, offset + 100_003);
      offset += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, sha256: createHash('sha256').update(data).digest('hex') };
}

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    size += buffer.length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('S3ObjectStore against a local S3 server', () => {
  let s3: TestS3;
  let store: S3ObjectStore;

  beforeAll(async () => {
    s3 = await startTestS3(['drills']);
    store = s3.store('drills', 'backups');
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('names its location with the bucket and prefix', () => {
    expect(store.location).toBe('s3://drills/backups/');
  });

  it('round-trips a streamed multipart body of unknown length, byte for byte', async () => {
    const size = 6.5 * MiB;
    const body = unknownLengthBody(size);
    const client = s3.client();
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize' },
    );
    await new S3ObjectStore(client, 'drills', 'backups').put('big/blob.bin', body.stream);
    expect(commands).toEqual(
      expect.arrayContaining(['CreateMultipartUploadCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']),
    );

    const back = await sha256Of(await store.get('big/blob.bin'));
    expect(back).toEqual({ sha256: body.sha256, size });
  });

  it('puts strings and buffers, lists by prefix in key order relative to the prefix, deletes', async () => {
    await store.put('list/b.txt', 'bee');
    await store.put('list/a.txt', Buffer.from('ay'));
    await store.put('list/c/d.txt', 'dee');
    await store.put('listing-elsewhere.txt', 'not under list/');

    expect(await text(await store.get('list/a.txt'))).toBe('ay');
    const listed = await store.list('list/');
    expect(listed.map((object) => object.key)).toEqual(['list/a.txt', 'list/b.txt', 'list/c/d.txt']);
    expect(listed.map((object) => object.size)).toEqual([2, 3, 3]);
    expect(listed.every((object) => object.lastModified instanceof Date)).toBe(true);

    // Keys are relative to the prefix: a store without one sees the full key.
    const whole = s3.store('drills');
    expect((await whole.list('backups/list/a')).map((object) => object.key)).toEqual(['backups/list/a.txt']);

    await store.delete('list/b.txt');
    expect((await store.list('list/')).map((object) => object.key)).toEqual(['list/a.txt', 'list/c/d.txt']);
  });

  it('pages through listings longer than one page', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, 'x')));
    }
    expect((await store.list('many/')).map((object) => object.key)).toEqual(keys);
  });

  it('reports a missing bucket as a UserError naming it and the endpoint', async () => {
    const missing = s3.store('no-such-bucket');
    const error = await missing.put('a.txt', 'a').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('no-such-bucket');
    expect((error as UserError).message).toContain(s3.endpoint);
    await expect(missing.list('')).rejects.toBeInstanceOf(UserError);
  });

  it('reports a missing object as a UserError', async () => {
    await expect(store.get('nothing-here')).rejects.toThrow(UserError);
  });

  it('reports an endpoint nobody listens on as a UserError with the endpoint', async () => {
    const port = await freePort();
    const client = s3ClientFor(
      { bucket: 'drills', prefix: '', region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true },
      {},
    );
    try {
      const error = await new S3ObjectStore(client, 'drills').list('').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toContain(`127.0.0.1:${port}`);
    } finally {
      client.destroy();
    }
  });

  it('names a missing credentials variable', () => {
    const bucket = {
      bucket: 'drills',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyIdEnv: 'DR_KEY_ID',
      secretAccessKeyEnv: 'DR_SECRET',
    };
    expect(() => s3ClientFor(bucket, { DR_KEY_ID: 'id' })).toThrow(/DR_SECRET/);
    expect(() => s3ClientFor(bucket, { DR_KEY_ID: 'id' })).toThrow(UserError);
  });
});
