import * as z from 'zod';
import { Duration } from '../catalogue/duration.js';

/** The default for drills that do not say how often they are expected to run (`every:`). */
export const DEFAULT_EVERY = '90d';

/** `scoring:` in the config: how the resilience score reads the drills (see README, Resilience score). */
export const Scoring = z
  .strictObject({
    defaultEvery: Duration.prefault(DEFAULT_EVERY).describe(
      'How often a drill is expected to run when neither it nor its override says (every:); past it the drill is overdue and its share of the score fades to nothing at twice this',
    ),
  })
  .prefault({})
  .describe('The resilience score (firedrill serve /score, the weekly digest)');
export type Scoring = z.infer<typeof Scoring>;
