import { EventEmitter } from 'node:events';

/**
 * Which of the replicas sharing one store leads: runs the schedules and takes over the runs of
 * dead owners. Every replica answers webhooks, chat and pages whether it leads or not.
 * Implementations: a PostgreSQL advisory lock (adapters/postgres/leader-lock.ts) and a
 * Kubernetes Lease (adapters/kubernetes/lease-elector.ts). A leader that can no longer prove
 * it leads steps down before another replica may take over.
 */
export interface LeaderElector {
  /** This replica, as the lock or Lease names its holder. */
  readonly identity: string;
  /** What the elector is (for the start-up line and /healthz), e.g. "Lease firedrill/firedrill-leader". */
  readonly describe: string;
  isLeader(): boolean;
  /** Calls `listener` with the new state whenever this replica starts or stops leading; returns the unsubscribe. */
  onChange(listener: (leading: boolean) => void): () => void;
  /** Gives leadership up at once (so another replica need not wait for it to expire) and stops trying. */
  stop(): Promise<void>;
}

/** The part every elector shares: the current state and who hears when it changes. */
export class Leadership {
  private leading = false;
  private readonly emitter = new EventEmitter();

  get isLeader(): boolean {
    return this.leading;
  }

  set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.emitter.emit('change', leading);
  }

  onChange(listener: (leading: boolean) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
}
