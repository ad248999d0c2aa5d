import * as z from 'zod';
import { DRILL_KINDS, Drill, DropTableDrill } from './drill-schema.js';
import type { DrillFileResult } from './loaded-drill.js';
import type { Problem } from './problems.js';
import { rpoVisibilityWarnings } from './rpo-visibility.js';
import { isRecord } from './schema-walk.js';
import { didYouMean, joinParts } from './suggest.js';
import { problemAt, type YamlSource } from './yaml-source.js';
import { describeValue, validateSource } from './zod-problems.js';

/**
 * The fields every kind shares, with kind and target left open: used when the kind is
 * missing or unknown, so the rest of the file is still checked and reported in one go.
 */
const AnyKindDrill = DropTableDrill.omit({ kind: true, target: true }).extend({ kind: z.unknown().optional(), target: z.unknown().optional() });

const KNOWN_KINDS = `known kinds: ${DRILL_KINDS.join(', ')}`;

export function validateDrillSource(source: YamlSource): DrillFileResult {
  const data = source.data;
  if (!isRecord(data)) {
    const message = 'a drill file holds one drill: a mapping with id, title, kind, target, objectives, ... (see drills/drop-orders-table.yaml)';
    return { ok: false, problems: [problemAt(source, [], message)] };
  }
  // The kind is checked before the discriminated union: zod alone would only say
  // "invalid discriminator", and would check nothing else in the file.
  const kindProblems = checkKind(source, data.kind);
  const result = validateSource(kindProblems.length === 0 ? Drill : AnyKindDrill, source);
  if (!result.ok || kindProblems.length > 0) {
    const id = typeof data.id === 'string' ? data.id : undefined;
    return { ok: false, problems: [...kindProblems, ...(result.ok ? [] : result.problems)], id };
  }
  const { line, col } = problemAt(source, ['id'], '');
  const drill = result.value as Drill;
  return { ok: true, loaded: { drill, file: source.file, line, col, warnings: rpoVisibilityWarnings(source, drill) } };
}

function checkKind(source: YamlSource, kind: unknown): Problem[] {
  if (kind === undefined) return [problemAt(source, [], `missing required key "kind"; ${KNOWN_KINDS}`)];
  if (typeof kind === 'string' && (DRILL_KINDS as readonly string[]).includes(kind)) return [];
  const suggestion = typeof kind === 'string' ? didYouMean(kind, DRILL_KINDS) : '';
  return [problemAt(source, ['kind'], joinParts(`kind: unknown drill kind ${describeValue(kind)}`, suggestion, KNOWN_KINDS))];
}
