import type { CheckedDrills } from './checked-drills.js';
import type { DrillFileResult } from './loaded-drill.js';
import { parseYaml, readYamlText } from './yaml-source.js';

/**
 * Reads and checks a drill file. With `checked` (the built-in drills as the build checked
 * them), a file whose text is the one the build checked is not parsed again.
 */
export async function readDrillFile(file: string, checked?: CheckedDrills): Promise<DrillFileResult> {
  const read = await readYamlText(file);
  if (!read.ok) return read;
  const known = checked?.lookup(file, read.text);
  if (known) return { ok: true, loaded: { ...known, file, warnings: [] } };
  const parsed = parseYaml(read.text, file);
  if (!parsed.ok) return parsed;
  // The drill schema is built only for a drill to check: a start whose drills are all the
  // built-in ones as checked by the build (or unchanged) never needs it.
  const { validateDrillSource } = await import('./drill-validation.js');
  return validateDrillSource(parsed.source);
}
