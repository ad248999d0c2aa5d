import type { RunPage } from '../history/ports.js';
import { RUN_RESULTS } from '../history/run-result.js';
import { durationText, RESULT_LABELS, timeText } from './format.js';
import { html, type Html } from './html.js';
import { resultBadge } from './layout.js';
import { queryString } from './run-query.js';

export const RUNS_PAGE_SIZE = 50;

/** The choices the filter form offers; what the store holds may be more (a free text field covers it). */
export interface FilterChoices {
  environments: string[];
  drills: string[];
  kinds: string[];
}

export function runsPageBody(params: URLSearchParams, page: RunPage, choices: FilterChoices): Html {
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const query = queryString(params);
  const first = (page.page - 1) * page.pageSize + 1;
  return html`<h1>Runs</h1>
${filterForm(params, choices)}
<p>${page.total === 0 ? 'No run matches.' : html`Runs ${Math.min(first, page.total)}–${Math.min(first + page.runs.length - 1, page.total)} of ${page.total}, newest first.`}
Export what this list shows: <a href="/runs.csv${query}">CSV</a> · <a href="/runs.json${query}">JSON</a></p>
<table class="runs"><thead><tr><th>Started (UTC)</th><th>Result</th><th>Drill</th><th>Environment</th><th>Kind</th><th>By</th>
<th class="num">TTD</th><th class="num">RTO</th><th class="num">RPO</th><th>Run</th></tr></thead>
<tbody>${page.runs.map(
    (run) => html`<tr data-run="${run.id}"><td>${timeText(run.createdAt)}</td><td>${resultBadge(run.result)}</td>
<td>${run.title ?? run.drill}<br><span class="muted">${run.drill}</span></td><td>${run.environment}</td><td>${run.kind ?? '–'}</td><td>${run.requestedBy ?? '–'}</td>
${(['ttd', 'rto', 'rpo'] as const).map((measure) => {
      const met = run.met[measure];
      return html`<td class="num ${met === false ? 'missed' : ''}" title="${met === null ? 'not judged' : met ? 'objective met' : 'objective missed'}">${durationText(run[`${measure}Ms`])}</td>`;
    })}
<td><a class="id" href="/runs/${run.id}">${run.id.slice(0, 8)}</a></td></tr>`,
  )}</tbody></table>
<nav class="pages" aria-label="pagination">
${page.page > 1 ? html`<a rel="prev" href="/runs${queryString(params, page.page - 1)}">← newer</a>` : ''}
<span>page ${page.page} of ${pages}</span>
${page.page < pages ? html`<a rel="next" href="/runs${queryString(params, page.page + 1)}">older →</a>` : ''}
</nav>`;
}

function filterForm(params: URLSearchParams, choices: FilterChoices): Html {
  const value = (name: string) => params.get(name) ?? '';
  const textField = (name: string, label: string, options: string[]) => html`<label>${label}
<input name="${name}" value="${value(name)}" list="${name}-choices" size="14"><datalist id="${name}-choices">${options.map((option) => html`<option value="${option}">`)}</datalist></label>`;
  return html`<form class="filters" method="get" action="/runs">
${textField('env', 'Environment', choices.environments)}
${textField('drill', 'Drill', choices.drills)}
${textField('kind', 'Kind', choices.kinds)}
<label>Outcome<select name="outcome"><option value="">any</option>${RUN_RESULTS.map(
    (result) => html`<option value="${result}"${value('outcome') === result ? html` selected` : ''}>${RESULT_LABELS[result]}</option>`,
  )}</select></label>
<label>From<input type="date" name="from" value="${value('from')}"></label>
<label>To (including)<input type="date" name="to" value="${value('to')}"></label>
<button type="submit">Show</button> <a href="/runs">clear</a>
</form>`;
}
