import pRetry, { AbortError } from 'p-retry';
import type { RunEvent } from '../engine/events.js';
import type { RunEventSink } from '../engine/ports.js';
import type { NoticeKind } from './notify-schema.js';
import { RunNotices, type RunNotice } from './notices.js';
import { PermanentDeliveryFailure, type Notifier } from './ports.js';

/** How hard one notice is tried: about half a minute with the defaults, then it is logged and dropped. */
export interface DeliveryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { attempts: 5, firstDelayMs: 1_000, maxDelayMs: 15_000 };

/** Notices waiting per channel; a channel that stays down loses the newest beyond this, not the process's memory. */
export const MAX_QUEUED_NOTICES = 100;

export interface Channel {
  notifier: Notifier;
  /** Only runs in these environments; all when undefined. */
  environments?: readonly string[];
  /** Only these notice kinds; all when undefined. */
  events?: readonly NoticeKind[];
}

export interface DeliveryFailure {
  channel: string;
  notice: NoticeKind;
  runId: string;
  attempts: number;
  /** The last error's message; adapters never put a secret in it, and the logger masks known ones anyway. */
  error: string;
}

interface Queue {
  pending: RunNotice[];
  running: Promise<void> | undefined;
}

/**
 * Hears every event of the runs this process starts and tells the configured channels. A run
 * never waits for it: `runEvent` only queues. Each channel has its own queue, delivered in
 * order (an incident is opened before it is resolved), each notice retried with backoff and
 * then reported to `onFailure` (the log), never thrown.
 */
export class NotificationDispatcher implements RunEventSink {
  private readonly notices = new RunNotices();
  private readonly queues = new Map<Channel, Queue>();

  constructor(
    private readonly channels: readonly Channel[],
    private readonly onFailure: (failure: DeliveryFailure) => void,
    private readonly policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
  ) {
    for (const channel of channels) this.queues.set(channel, { pending: [], running: undefined });
  }

  runEvent(event: RunEvent, runId: string): void {
    for (const notice of this.notices.from(event, runId)) {
      for (const channel of this.channels) {
        if (channel.environments && !channel.environments.includes(notice.environment)) continue;
        if (channel.events && !channel.events.includes(notice.kind)) continue;
        this.enqueue(channel, notice);
      }
    }
  }

  /** Waits until every queued notice is delivered or given up, or `timeoutMs` passes: for a process about to exit. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    const drained = (async () => {
      for (;;) {
        const running = [...this.queues.values()].map((queue) => queue.running).filter((one) => one !== undefined);
        if (running.length === 0) return;
        await Promise.all(running);
      }
    })();
    await Promise.race([drained, deadline]);
  }

  private enqueue(channel: Channel, notice: RunNotice): void {
    const queue = this.queues.get(channel)!;
    if (queue.pending.length >= MAX_QUEUED_NOTICES) {
      this.onFailure({ channel: channel.notifier.name, notice: notice.kind, runId: notice.runId, attempts: 0, error: `more than ${MAX_QUEUED_NOTICES} notices waiting: the channel is not keeping up` });
      return;
    }
    queue.pending.push(notice);
    queue.running ??= this.drain(channel, queue);
  }

  private async drain(channel: Channel, queue: Queue): Promise<void> {
    for (let notice = queue.pending.shift(); notice; notice = queue.pending.shift()) {
      await this.deliver(channel, notice);
    }
    queue.running = undefined;
  }

  private async deliver(channel: Channel, notice: RunNotice): Promise<void> {
    let attempts = 0;
    try {
      await pRetry(
        async () => {
          attempts += 1;
          try {
            await channel.notifier.deliver(notice);
          } catch (error) {
            if (error instanceof PermanentDeliveryFailure) throw new AbortError(error);
            throw error;
          }
        },
        {
          retries: this.policy.attempts - 1,
          minTimeout: this.policy.firstDelayMs,
          maxTimeout: this.policy.maxDelayMs,
          factor: 2,
        },
      );
    } catch (error) {
      this.onFailure({ channel: channel.notifier.name, notice: notice.kind, runId: notice.runId, attempts, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
