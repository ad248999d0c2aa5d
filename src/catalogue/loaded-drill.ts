import type { Drill } from './drill-schema.js';
import type { Problem } from './problems.js';

/** A valid drill and where it was defined (its `id`), for "already defined at" messages. */
export interface LoadedDrill {
  drill: Drill;
  file: string;
  line: number;
  col: number;
  /** Valid, but it will not measure what it means to (see rpo-visibility.ts). */
  warnings: Problem[];
}

/** On failure, `id` is the id the file tried to define (if readable), so references to it are not also reported as unknown. */
export type DrillFileResult = { ok: true; loaded: LoadedDrill } | { ok: false; problems: Problem[]; id?: string };
