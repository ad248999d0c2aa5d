import pg from 'pg';
import type { RunEvent } from '../../src/engine/events.js';

type Listener = (event: RunEvent) => void;

const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 5_000;

/**
 * Tells watchers about events appended to their runs by any process: LISTEN on one connection,
 * notified by every append. When that connection is lost (the database restarted, a proxy cut
 * it), it is opened again with backoff and the events appended meanwhile are read and
 * delivered, so an abort said in chat during the gap still reaches the run.
 */
export class RunEventFeed {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = RECONNECT_FIRST_MS;
  /** The newest seq known to be delivered or notified: after a reconnect, catch up from here. */
  private newestSeq = 0;
  private closed = false;
  private readonly watchers = new Map<string, { listeners: Set<Listener>; delivered: Set<number> }>();

  constructor(
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly readEvent: (seq: number) => Promise<RunEvent | undefined>,
    private readonly readSince: (runIds: string[], afterSeq: number) => Promise<{ runId: string; event: RunEvent }[]>,
    private readonly newestSeqInStore: () => Promise<number>,
  ) {}

  async watch(runId: string, listener: Listener): Promise<() => Promise<void>> {
    await this.ensureListening();
    const watcher = this.watchers.get(runId) ?? { listeners: new Set<Listener>(), delivered: new Set<number>() };
    watcher.listeners.add(listener);
    this.watchers.set(runId, watcher);
    return async () => {
      watcher.listeners.delete(listener);
      if (watcher.listeners.size === 0) this.watchers.delete(runId);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async ensureListening(): Promise<void> {
    if (this.client) return;
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    await this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => void this.notified(message.payload).catch(() => undefined));
    await client.connect();
    await client.query(`listen ${this.channel}`);
    const reconnecting = this.newestSeq > 0;
    this.client = client;
    this.reconnectDelayMs = RECONNECT_FIRST_MS;
    // LISTEN first, then read: whatever commits after this read is notified, nothing falls between.
    if (reconnecting) await this.catchUp();
    else this.newestSeq = await this.newestSeqInStore();
  }

  private lost(client: pg.Client): void {
    if (client !== this.client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ensureListening().catch(() => {
        this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
        this.scheduleReconnect();
      });
    }, this.reconnectDelayMs);
  }

  private async catchUp(): Promise<void> {
    const runIds = [...this.watchers.keys()];
    if (runIds.length === 0) return;
    for (const { runId, event } of await this.readSince(runIds, this.newestSeq)) this.deliver(runId, event);
  }

  private async notified(payload: string | undefined): Promise<void> {
    const { run, seq } = JSON.parse(payload ?? '{}') as { run?: string; seq?: number };
    if (typeof seq === 'number') this.newestSeq = Math.max(this.newestSeq, seq);
    if (!run || !seq || !this.watchers.has(run)) return;
    const event = await this.readEvent(seq);
    if (event) this.deliver(run, event);
  }

  /** Once per event and watcher, however it arrived (a notification, a catch-up, or both). */
  private deliver(runId: string, event: RunEvent): void {
    this.newestSeq = Math.max(this.newestSeq, event.seq);
    const watcher = this.watchers.get(runId);
    if (!watcher || watcher.delivered.has(event.seq)) return;
    watcher.delivered.add(event.seq);
    for (const listener of watcher.listeners) listener(event);
  }
}
