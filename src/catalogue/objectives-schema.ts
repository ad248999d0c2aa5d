import * as z from 'zod';
import { Duration } from './duration.js';

/** A drill's objectives; the config's defaults for them have the same form. */
export const Objectives = z
  .strictObject({ ttd: Duration.optional(), rto: Duration.optional(), rpo: Duration.optional() })
  .refine((o) => o.ttd !== undefined || o.rto !== undefined || o.rpo !== undefined, 'set at least one of ttd, rto, rpo');
export type Objectives = z.infer<typeof Objectives>;
