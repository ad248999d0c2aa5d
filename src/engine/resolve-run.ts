import { UserError } from '../errors.js';
import type { RunStore, RunSummary } from './ports.js';

/** A run named by a unique id prefix, or, with none, the only active run. */
export async function resolveRun(store: RunStore, prefix: string | undefined): Promise<RunSummary> {
  if (prefix === undefined) {
    const active = await store.active();
    if (active.length === 1) return active[0]!;
    if (active.length === 0) throw new UserError('no run is active', 'give a run id, from `history` in chat or `firedrill scorecards`');
    throw new UserError(`${active.length} runs are active: ${active.map((run) => `${run.id.slice(0, 8)} (${run.drill} in ${run.environment})`).join(', ')}`, 'say which run');
  }
  if (!/^[0-9a-f-]{4,}$/i.test(prefix)) throw new UserError(`"${prefix}" is not a run id`, 'give at least 4 characters of a run id, from `status` or `history` in chat or `firedrill scorecards`');
  const matches = await store.findByPrefix(prefix.toLowerCase());
  const exact = matches.find((run) => run.id === prefix);
  if (exact) return exact;
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new UserError(`no run ${prefix}`, 'see recent runs with `history` in chat or `firedrill scorecards`');
  throw new UserError(`run id ${prefix} is ambiguous: ${matches.map((run) => run.id.slice(0, 12)).join(', ')}`, 'type more of the id');
}
