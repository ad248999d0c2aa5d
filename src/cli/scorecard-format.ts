import type { ScorecardFormat } from '../scoring/render-scorecard.js';

export type { ScorecardFormat };

/** The scorecard format the options ask for; apart from the renderers, so that parsing the options loads none. */
export function formatFrom(options: { json?: boolean; markdown?: boolean }): ScorecardFormat {
  return options.json ? 'json' : options.markdown ? 'markdown' : 'text';
}
