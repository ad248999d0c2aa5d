import type { Scorecard } from '../scoring/score-run.js';
import { renderMarkdown } from '../scoring/render-markdown.js';
import { renderText } from '../scoring/render-text.js';

export type ScorecardFormat = 'text' | 'markdown' | 'json';

export function renderScorecard(scorecard: Scorecard, format: ScorecardFormat): string {
  if (format === 'json') return `${JSON.stringify(scorecard, null, 2)}\n`;
  return format === 'markdown' ? renderMarkdown(scorecard) : renderText(scorecard);
}

export function formatFrom(options: { json?: boolean; markdown?: boolean }): ScorecardFormat {
  return options.json ? 'json' : options.markdown ? 'markdown' : 'text';
}
