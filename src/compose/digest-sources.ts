import type { Catalogue } from '../catalogue/load.js';
import type { DigestSources } from '../digest/digest.js';
import type { OpenedStore } from './index.js';

/** The digest lists at most this many open action items per environment (it counts what it lists). */
const ACTION_ITEMS_READ = 1_000;

/** What the digest reads, from the opened store: its run history and the open action items. */
export function digestSources(catalogue: Catalogue, opened: OpenedStore): DigestSources {
  return {
    history: opened.history,
    catalogue,
    openActionItems: (environment) => opened.store.actionItems({ open: true, environment, limit: ACTION_ITEMS_READ }),
  };
}
