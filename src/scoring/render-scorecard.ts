import { renderMarkdown } from './render-markdown.js';
import { renderText } from './render-text.js';
import type { Scorecard } from './scorecard-schema.js';

/** How a front end prints a scorecard: the CLI's `--json` / `--markdown`, else text. */
export type ScorecardFormat = 'text' | 'markdown' | 'json';

export function renderScorecard(scorecard: Scorecard, format: ScorecardFormat): string {
  if (format === 'json') return `${JSON.stringify(scorecard, null, 2)}\n`;
  return format === 'markdown' ? renderMarkdown(scorecard) : renderText(scorecard);
}
