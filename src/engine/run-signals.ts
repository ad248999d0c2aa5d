import { EventEmitter, once } from 'node:events';
import { sameIdentity, type Recorded } from './actor.js';
import { countsAsDetection } from './detection.js';
import type { DetectedBy, RunEvent } from './events.js';

/** Who stopped the run and why; `guard` when a guard tripped rather than a person asking. */
export interface AbortRequest {
  by: string;
  reason: string;
  guard?: string;
}

/**
 * Signals that reach a run through its journal from anywhere: an alert webhook, a person
 * in chat or on another terminal. Whoever appends `detected`, `abort-requested` or
 * `approved` to the journal is heard here, in this process or another.
 */
export class RunSignals {
  private readonly emitter = new EventEmitter();
  /** From `injecting` on the fault may be in effect: an alert that fast is a detection (detection.ts). */
  private begun: RunEvent | undefined;
  private detection: DetectedBy | undefined;
  private abortRequest: AbortRequest | undefined;
  private readonly approvals: Recorded[] = [];
  private readonly seen = new Set<number>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  markInjected(injected: RunEvent): void {
    this.begun ??= injected;
  }

  handle(event: RunEvent): void {
    if (this.seen.has(event.seq)) return;
    this.seen.add(event.seq);
    if (event.type === 'injecting' || event.type === 'injected') this.begun ??= event;
    if (event.type === 'detected' && countsAsDetection(this.begun, event) && !this.detection) {
      this.detection = event.by;
      this.emitter.emit('detected', event.by);
    }
    if (event.type === 'abort-requested' && !this.abortRequest) {
      this.abortRequest = { by: event.by, reason: event.reason };
      this.emitter.emit('abort', this.abortRequest);
    }
    if (event.type === 'guard-tripped' && !this.abortRequest) {
      this.abortRequest = { by: `guard ${event.guard}`, reason: event.detail, guard: event.guard };
      this.emitter.emit('abort', this.abortRequest);
    }
    if (event.type === 'approved') {
      const approval: Recorded = { label: event.by, identity: event.identity };
      this.approvals.push(approval);
      this.emitter.emit('approved', approval);
    }
  }

  get abortRequested(): AbortRequest | undefined {
    return this.abortRequest;
  }

  async detected(signal: AbortSignal): Promise<DetectedBy | undefined> {
    if (this.detection) return this.detection;
    try {
      const [by] = (await once(this.emitter, 'detected', { signal })) as [DetectedBy];
      return by;
    } catch {
      return undefined;
    }
  }

  async aborted(signal: AbortSignal): Promise<AbortRequest | undefined> {
    if (this.abortRequest) return this.abortRequest;
    try {
      const [request] = (await once(this.emitter, 'abort', { signal })) as [AbortRequest];
      return request;
    } catch {
      return undefined;
    }
  }

  /**
   * The label of the first approver who is not `requester`, or undefined when `signal` ends the
   * wait. Identities are compared, not labels: `--as` on the command line makes nobody else.
   */
  async approvedBy(requester: Recorded, signal: AbortSignal): Promise<string | undefined> {
    for (;;) {
      // Looked up again after every wake-up: several approvals may have arrived at once.
      const approval = this.approvals.find((candidate) => !sameIdentity(candidate, requester));
      if (approval) return approval.label;
      if (signal.aborted) return undefined;
      try {
        await once(this.emitter, 'approved', { signal });
      } catch {
        return undefined;
      }
    }
  }
}
