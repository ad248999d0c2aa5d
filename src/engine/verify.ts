import type { Journal } from './journal.js';
import type { DrillRuntime } from './ports.js';
import { findEvent } from './events.js';

/** After recovery: the drill's data checks, then the RPO marker read against its baseline. */
export async function verifyRun(journal: Journal, runtime: DrillRuntime): Promise<void> {
  let ok = true;
  for (const probe of runtime.verify) {
    const result = await probe.check();
    ok &&= result.ok;
    await journal.append({ type: 'verify-check', check: probe.name, ok: result.ok, detail: result.detail });
  }
  if (runtime.rpo) {
    const baseline = findEvent(await journal.events(), 'rpo-baseline');
    const newestBefore = baseline?.newestBefore ?? null;
    // Rows written after recovery are not evidence of what survived: only look up to the baseline.
    const newestAfter = newestBefore ? await runtime.rpo.newest(new Date(newestBefore)) : null;
    await journal.append({
      type: 'rpo-measured',
      newestBefore,
      newestAfter: newestAfter?.toISOString() ?? null,
      marker: runtime.rpo.description,
      resolutionMs: runtime.rpo.resolutionMs,
    });
  }
  await journal.append({ type: 'verified', ok });
}
