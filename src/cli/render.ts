import type { Scorecard } from '../scoring/score-run.js';
import { renderMarkdown } from '../scoring/render-markdown.js';
import { renderText } from '../scoring/render-text.js';
import type { ScorecardFormat } from './scorecard-format.js';

export type { ScorecardFormat };

export function renderScorecard(scorecard: Scorecard, format: ScorecardFormat): string {
  if (format === 'json') return `${JSON.stringify(scorecard, null, 2)}\n`;
  return format === 'markdown' ? renderMarkdown(scorecard) : renderText(scorecard);
}
