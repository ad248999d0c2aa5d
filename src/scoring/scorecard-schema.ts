import { z } from 'zod';
import { DetectedBy, Outcome } from '../engine/events.js';

const Ms = z.number().nullable();

export const TimelineEntry = z.object({
  at: z.string(),
  /** Milliseconds since injection; negative before it, null when there was no injection. */
  offsetMs: Ms,
  text: z.string(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/**
 * What a run measured, against its objectives. The schema is the definition, so a scorecard
 * read back from the store is checked rather than cast.
 */
export const Scorecard = z.object({
  runId: z.string(),
  drill: z.object({ id: z.string(), title: z.string(), kind: z.string(), severity: z.string() }),
  environment: z.string(),
  requestedBy: z.string(),
  outcome: Outcome,
  /** Why it was refused, aborted or failed. */
  reason: z.string().nullable(),
  timeline: z.object({ injectedAt: z.string().nullable(), detectedAt: z.string().nullable(), recoveredAt: z.string().nullable(), verifiedAt: z.string().nullable() }),
  ttdMs: Ms,
  rtoMs: Ms,
  rpoMs: Ms,
  objectives: z.object({ ttdMs: Ms, rtoMs: Ms, rpoMs: Ms }),
  met: z.object({ ttd: z.boolean().nullable(), rto: z.boolean().nullable(), rpo: z.boolean().nullable() }),
  detectedBy: DetectedBy.nullable(),
  recovery: z.object({ mode: z.string(), runbook: z.string().nullable(), runbookOk: z.boolean().nullable() }),
  rpo: z.object({ newestBefore: z.string().nullable(), newestAfter: z.string().nullable() }).nullable(),
  verification: z.array(z.object({ check: z.string(), ok: z.boolean(), detail: z.string() })),
  /** Kind-specific figures, in the order they were measured. */
  measurements: z.array(z.object({ name: z.string(), value: z.union([z.string(), z.number()]) })),
  notes: z.array(z.string()),
  events: z.array(TimelineEntry),
});
export type Scorecard = z.infer<typeof Scorecard>;
