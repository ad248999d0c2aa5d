import * as z from 'zod';
import { PermanentUndoFailure } from '../engine/rollback.js';

/**
 * The recorded parameters of an undo, checked as they are read back from the journal rather
 * than cast. Damaged parameters cannot get better by trying again: the failure is permanent
 * and says what to do by hand.
 */
export function parseUndoParams<T>(schema: z.ZodType<T>, params: unknown, action: string, byHand: string): T {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new PermanentUndoFailure(`the recorded parameters of undo "${action}" are damaged (${where}${issue?.message ?? 'unreadable'}): ${byHand}, then run \`firedrill recover\``);
}

/** A Kubernetes object as saved into an undo: checked down to what the restore reads first. */
export const SavedObject = z.looseObject({ kind: z.string().optional(), metadata: z.looseObject({ name: z.string().optional() }).optional() });
