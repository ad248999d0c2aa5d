import * as z from 'zod';
import { eventSchemas } from '../engine/events.js';

const NO_BOUNDS = { ttdMs: null, rtoMs: null, rpoMs: null };

/** Built on first use, as the journal's schemas are (events.ts): only a reader of scorecards needs them. */
function buildScorecardSchemas() {
  const { DetectedBy, Outcome } = eventSchemas();
  const Ms = z.number().nullable();

  const Range = z.object({ low: z.number(), high: z.number() });

  const TimelineEntry = z.object({
    at: z.string(),
    /** Milliseconds since injection; negative before it, null when there was no injection. */
    offsetMs: Ms,
    text: z.string(),
  });

  const Scorecard = z.object({
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
    /**
     * What the observations bracket, for each measure: a probe saw recovery between its last red
     * and first green check, a push arrived when it did. Null where unmeasured, or where the
     * journal predates bounds (and so does a scorecard stored before them).
     */
    bounds: z.object({ ttdMs: Range.nullable(), rtoMs: Range.nullable(), rpoMs: Range.nullable() }).default(NO_BOUNDS),
    objectives: z.object({ ttdMs: Ms, rtoMs: Ms, rpoMs: Ms }),
    /** Graded on the late side of the bounds: met only when all of the range meets the objective. */
    met: z.object({ ttd: z.boolean().nullable(), rto: z.boolean().nullable(), rpo: z.boolean().nullable() }),
    detectedBy: DetectedBy.nullable(),
    recovery: z.object({ mode: z.string(), runbook: z.string().nullable(), runbookOk: z.boolean().nullable() }),
    /** Where the RPO came from: `source` is the marker read (null in scorecards from before it was kept). */
    rpo: z.object({ newestBefore: z.string().nullable(), newestAfter: z.string().nullable(), source: z.string().nullable().default(null) }).nullable(),
    verification: z.array(z.object({ check: z.string(), ok: z.boolean(), detail: z.string() })),
    /** Kind-specific figures, in the order they were measured. */
    measurements: z.array(z.object({ name: z.string(), value: z.union([z.string(), z.number()]) })),
    notes: z.array(z.string()),
    events: z.array(TimelineEntry),
  });
  return { Range, TimelineEntry, Scorecard };
}

type ScorecardSchemas = ReturnType<typeof buildScorecardSchemas>;
/** Where the truth lies, in milliseconds: no earlier than `low`, no later than `high`. */
export type Range = z.infer<ScorecardSchemas['Range']>;
export type TimelineEntry = z.infer<ScorecardSchemas['TimelineEntry']>;
export type Scorecard = z.infer<ScorecardSchemas['Scorecard']>;

let schemas: ScorecardSchemas | undefined;
/**
 * What a run measured, against its objectives. The schema is the definition, so a scorecard
 * read back from the store is checked rather than cast.
 */
export function scorecardSchema(): ScorecardSchemas['Scorecard'] {
  return (schemas ??= buildScorecardSchemas()).Scorecard;
}
