import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyOutStream } from '../../adapters/postgres/copy-out-stream.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

// Multi-byte text, quotes, newlines, nulls, and rows far larger than one chunk of the reader.
const SCHEMA = `
  create table copied (id int primary key, body text, note text);
  insert into copied
  select i,
         case when i % 1000 = 0 then repeat('long ✓ row ', 60000) else 'row ' || i || E', "quoted"\\nnext ✓' end,
         case when i % 3 = 0 then null else '' end
  from generate_series(1, 30000) i;
  create function noisy(i int) returns int language plpgsql as $$
  begin
    if i % 500 = 0 then raise notice 'row %', i; end if;
    return i;
  end $$;`;

const CSV = `(format csv, header true, encoding 'UTF8')`;

describe('COPY out as large chunks', () => {
  let postgres: TestPostgres;
  let client: pg.Client;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    client = new pg.Client({ connectionString: postgres.url() });
    client.on('error', () => undefined);
    await client.connect();
    await client.query(SCHEMA);
  });

  afterAll(async () => {
    await client?.end();
    await postgres?.stop();
  });

  it('gives the same bytes and row count as pg-copy-streams, in chunks of at most 256 KiB', async () => {
    const sql = `copy copied to stdout ${CSV}`;
    const expected = await buffer(client.query(copyTo(sql)));
    const copy = client.query(new CopyOutStream(sql));
    const chunks: Buffer[] = [];
    for await (const chunk of copy) chunks.push(chunk as Buffer);
    // The row count comes with CommandComplete: read by the time the next statement answers.
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    expect(rows).toEqual([{ one: 1 }]);
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);
    expect(copy.rowCount).toBe(30_000);
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(256 * 1024);
    expect(chunks.length).toBeLessThan(expected.length / (128 * 1024));
  });

  it('skips notices sent between the rows', async () => {
    const sql = `copy (select noisy(i), 'x' from generate_series(1, 2000) i) to stdout ${CSV}`;
    const expected = await buffer(client.query(copyTo(sql)));
    const copy = client.query(new CopyOutStream(sql));
    expect((await buffer(copy)).equals(expected)).toBe(true);
  });

  it('fails with the server’s error when the COPY fails mid-way, and leaves the connection usable', async () => {
    const copy = client.query(new CopyOutStream(`copy (select 1 / (20000 - i) from generate_series(1, 30000) i) to stdout ${CSV}`));
    await expect(buffer(copy)).rejects.toThrow(/division by zero/);
    expect((await client.query<{ ok: boolean }>('select true as ok')).rows).toEqual([{ ok: true }]);
  });

  it('holds the rows back while nobody reads, then delivers them all', async () => {
    const copy = client.query(new CopyOutStream(`copy copied to stdout ${CSV}`));
    // Nothing reads for a while: the reader stops taking from the socket instead of buffering the table.
    await new Promise((resolve) => copy.once('readable', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(copy.readableLength).toBeLessThanOrEqual(2 * 256 * 1024);
    const all = await buffer(copy);
    expect(all.toString('utf8').split('\n').length).toBeGreaterThan(30_000);
  });
});

describe('COPY out message framing', () => {
  /** A stand-in for pg's connection: the socket, and pg's own reader of it, which gets what follows the COPY. */
  function fakeConnection() {
    const stream = new PassThrough();
    const handedBack: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => handedBack.push(chunk));
    return { stream, handedBack, query: () => undefined };
  }

  const message = (code: string, body: Buffer | string = Buffer.alloc(0)) => {
    const content = Buffer.from(body);
    const header = Buffer.alloc(5);
    header.write(code, 0, 'latin1');
    header.writeUInt32BE(content.length + 4, 1);
    return Buffer.concat([header, content]);
  };

  it('reads rows whatever way the socket cuts the messages, and hands what follows CopyDone back to pg', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${i},"row ${i} ✓"\n`);
    const wire = Buffer.concat([
      message('H', Buffer.from([0, 0, 0])),
      ...rows.flatMap((row, i) => (i === 150 ? [message('N', 'a notice'), message('d', row)] : [message('d', row)])),
      message('c'),
      message('C', 'COPY 300\0'),
      message('Z', 'I'),
    ]);
    for (const size of [1, 2, 3, 5, 7, 64, wire.length]) {
      const connection = fakeConnection();
      const copy = new CopyOutStream('copy t to stdout');
      copy.submit(connection as unknown as pg.Connection);
      const read = buffer(copy);
      for (let at = 0; at < wire.length; at += size) connection.stream.write(wire.subarray(at, at + size));
      expect((await read).toString('utf8'), `socket reads of ${size} bytes`).toBe(rows.join(''));
      await new Promise((resolve) => setImmediate(resolve));
      expect(Buffer.concat(connection.handedBack).equals(Buffer.concat([message('C', 'COPY 300\0'), message('Z', 'I')])), `${size} bytes`).toBe(true);
    }
  });
});
