import type { Catalogue } from '../catalogue/load.js';
import type { DigestActionItem, DigestSources } from '../digest/digest.js';
import type { OpenedStore } from './index.js';

/** The store's follow-ups, where it keeps them (RunStore.actionItems, from the drill reports' follow-ups). */
interface ActionItemReader {
  actionItems?(filter: { open?: boolean; environment?: string; limit?: number }): Promise<DigestActionItem[]>;
}

/** What the digest reads, from the opened store: its run history and, when kept, the open action items. */
export function digestSources(catalogue: Catalogue, opened: OpenedStore): DigestSources {
  const store = opened.store as ActionItemReader;
  return {
    history: opened.history,
    catalogue,
    ...(store.actionItems ? { openActionItems: (environment: string) => store.actionItems!({ open: true, environment, limit: 1000 }) } : {}),
  };
}
