/** How a command prints a scorecard; apart from the renderers, so that parsing the options loads none. */
export type ScorecardFormat = 'text' | 'markdown' | 'json';

export function formatFrom(options: { json?: boolean; markdown?: boolean }): ScorecardFormat {
  return options.json ? 'json' : options.markdown ? 'markdown' : 'text';
}
