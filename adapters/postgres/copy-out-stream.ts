import { Readable } from 'node:stream';
import type { Connection, Submittable } from 'pg';

const ERROR_RESPONSE = 0x45; // E
const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
/** Interspersed while copying out; nothing a backup keeps. */
const IGNORED = new Set([0x48 /* CopyOutResponse */, 0x41 /* NotificationResponse */, 0x4e /* NoticeResponse */, 0x53 /* ParameterStatus */]);

/** Enough per chunk that the stages after it (part assembly, signing, HTTP) see few, large buffers. */
const CHUNK_BYTES = 256 * 1024;

/**
 * `COPY ... TO STDOUT` as a stream of large chunks: the row data of the CopyData messages
 * copied back to back, nothing else. pg-copy-streams' `to()` cuts every row into its own
 * Buffer before joining them again, which at millions of rows was most of a backup's CPU
 * (test/bench/restore-bench.ts); this reads the messages in place. It takes over the
 * connection the way pg-copy-streams does: pg's reader is set aside until CopyDone (or an
 * ErrorResponse, which goes back to pg so that the query fails as usual), then gets the rest.
 *
 * Pass it to `client.query()`. `rowCount` is set once pg has read CommandComplete, that is,
 * by the time the next statement on the connection answers.
 */
export class CopyOutStream extends Readable implements Submittable {
  rowCount = 0;
  private connection: Connection | undefined;
  private pgReader: ((chunk: Buffer) => void) | undefined;
  private readonly onData = (chunk: Buffer) => this.parse(chunk);
  private out = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private outBytes = 0;
  /** A message header split across socket reads. */
  private readonly header = Buffer.alloc(5);
  private headerBytes = 0;
  private code = 0;
  /** Bytes of the current message's body still to come; -1 while reading a header. */
  private bodyLeft = -1;

  constructor(private readonly text: string) {
    super();
  }

  /** Called by pg when the query's turn comes. */
  submit(connection: Connection): void {
    this.connection = connection;
    const readers = connection.stream.listeners('data') as ((chunk: Buffer) => void)[];
    if (readers.length !== 1) throw new Error(`COPY out: expected pg's one reader on the connection, found ${readers.length}`);
    this.pgReader = readers[0];
    connection.stream.removeListener('data', this.pgReader!);
    connection.stream.on('data', this.onData);
    connection.query(this.text);
  }

  override _read(): void {
    this.connection?.stream.resume();
  }

  handleError(error: Error): void {
    this.destroy(error);
  }

  handleCommandComplete(message: { text?: string } | undefined): void {
    const match = /COPY (\d+)/.exec(message?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {}

  private parse(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft < 0) {
        if (this.headerBytes === 0 && chunk[at] === ERROR_RESPONSE) return this.handBack(chunk.subarray(at));
        if (this.headerBytes === 0 && chunk.length - at >= 5) {
          this.code = chunk[at]!;
          this.bodyLeft = chunk.readUInt32BE(at + 1) - 4;
          at += 5;
        } else {
          const taken = Math.min(5 - this.headerBytes, chunk.length - at);
          chunk.copy(this.header, this.headerBytes, at, at + taken);
          this.headerBytes += taken;
          at += taken;
          if (this.headerBytes < 5) break;
          this.headerBytes = 0;
          this.code = this.header[0]!;
          this.bodyLeft = this.header.readUInt32BE(1) - 4;
        }
        if (this.code === COPY_DONE) {
          // A CopyDone's body is empty: what follows (CommandComplete, ReadyForQuery) is pg's.
          this.flush();
          this.push(null);
          return this.handBack(chunk.subarray(at));
        }
        if (this.code !== COPY_DATA && !IGNORED.has(this.code)) {
          // Not part of a copy-out: pg reads it, header and all, and the backup fails.
          const header = Buffer.alloc(5, this.code);
          header.writeUInt32BE(this.bodyLeft + 4, 1);
          this.handBack(Buffer.concat([header, chunk.subarray(at)]));
          this.destroy(new Error(`COPY out: the server sent message ${String.fromCharCode(this.code)} in the middle of the rows`));
          return;
        }
      }
      const taken = Math.min(this.bodyLeft, chunk.length - at);
      if (this.code === COPY_DATA) this.write(chunk, at, at + taken);
      at += taken;
      this.bodyLeft -= taken;
      if (this.bodyLeft === 0) this.bodyLeft = -1;
    }
  }

  /** Appends row data to the chunk being filled; a full chunk is passed on. */
  private write(source: Buffer, start: number, end: number): void {
    while (start < end) {
      const copied = source.copy(this.out, this.outBytes, start, end);
      this.outBytes += copied;
      start += copied;
      if (this.outBytes === this.out.length) this.flush();
    }
  }

  private flush(): void {
    if (this.outBytes === 0) return;
    const full = this.outBytes === this.out.length ? this.out : this.out.subarray(0, this.outBytes);
    this.out = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    this.outBytes = 0;
    // Backpressure: no more socket reads until the reader wants more (_read resumes them).
    if (!this.push(full)) this.connection?.stream.pause();
  }

  /** Gives the connection back to pg, with the bytes it has not read yet. */
  private handBack(rest: Buffer): void {
    const { stream } = this.connection!;
    stream.removeListener('data', this.onData);
    stream.on('data', this.pgReader!);
    if (rest.length > 0) this.pgReader!(rest);
    // Paused for backpressure, or about to be: pg's reader must go on regardless.
    process.nextTick(() => stream.resume());
  }
}
