export type OccurrenceStatus = 'planned' | 'announced' | 'started' | 'skipped' | 'missed';

/** One planned start of a schedule: the cron time, and the jittered moment it starts. */
export interface Occurrence {
  schedule: string;
  cronAt: Date;
  startAt: Date;
  /** Recorded so that the jitter and the drill picked can be explained and reproduced. */
  seed: string;
  status: OccurrenceStatus;
  postponedCount: number;
  detail: string | null;
}

export interface Incident {
  openedAt: Date;
  openedBy: string;
  reason: string;
}

/** Schedules keep their state in the store, so a restart neither forgets nor repeats. */
export interface ScheduleStore {
  /** The schedule's occurrence that has not started, been skipped or missed yet. */
  pending(schedule: string): Promise<Occurrence | undefined>;
  /** Adds it unless that cron time is already planned; returns the stored one. */
  plan(occurrence: Occurrence): Promise<Occurrence>;
  update(occurrence: Occurrence): Promise<void>;
  recent(schedule: string, limit: number): Promise<Occurrence[]>;
  openIncident(openedBy: string, reason: string): Promise<void>;
  closeIncident(): Promise<Incident | undefined>;
  openIncidentNow(): Promise<Incident | undefined>;
}
