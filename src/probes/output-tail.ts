import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Kept of each stream: the last lines are what matter, and a chatty plan must not fill memory. */
const KEEP_BYTES = 64 * 1024;

/** The last part of a child's stdout and stderr, for the journal. */
export class OutputTail {
  private stdout = '';
  private stderr = '';
  private readonly closed: Promise<void>;
  private readonly streams: Readable[];

  constructor(child: ChildProcess) {
    this.streams = [child.stdout, child.stderr].filter((stream): stream is Readable => stream !== null);
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout = keepEnd(this.stdout + chunk.toString())));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = keepEnd(this.stderr + chunk.toString())));
    this.closed = Promise.all(this.streams.map((stream) => new Promise<void>((resolve) => stream.once('close', () => resolve())))).then(() => undefined);
  }

  /**
   * Waits up to `ms` for output still in flight, then stops reading: a process that left the
   * group (setsid) may hold the pipe open for as long as it runs.
   */
  async drained(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.closed, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    for (const stream of this.streams) stream.destroy();
  }

  /** The last `lines` lines, stdout first, then stderr, as the journal has always shown them. */
  tail(lines: number): string {
    return `${this.stdout}${this.stderr}`.trim().split('\n').slice(-lines).join('\n');
  }
}

function keepEnd(text: string): string {
  return text.length > KEEP_BYTES ? text.slice(-KEEP_BYTES) : text;
}
