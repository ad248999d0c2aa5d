import type { ActionItem, Learning } from '../followups/follow-ups.js';
import { html, type Html } from './html.js';

function actionRow(action: ActionItem, today: string): Html {
  const overdue = action.doneAt === null && action.due !== null && action.due < today;
  return html`<tr data-action="${action.id}" data-state="${action.doneAt ? 'done' : 'open'}"><td><code>${action.id}</code></td><td>${action.text}</td>
<td>${action.owner ?? html`<span class="muted">nobody yet</span>`}</td>
<td${overdue ? html` class="missed"` : ''}>${action.due ?? '–'}${overdue ? ' (overdue)' : ''}</td>
<td>${action.doneAt ? `done ${action.doneAt.slice(0, 10)} by ${action.doneBy ?? '?'}` : 'open'}</td>
<td><a href="/runs/${action.runId}">${action.runId.slice(0, 8)}</a></td></tr>`;
}

export function actionsTable(actions: readonly ActionItem[], today: string): Html {
  return html`<table class="actions"><thead><tr><th>Id</th><th>Action</th><th>Owner</th><th>Due</th><th>State</th><th>Run</th></tr></thead>
<tbody>${actions.map((action) => actionRow(action, today))}</tbody></table>`;
}

/** The run page's learnings and action items, and how to add them (from chat or the CLI). */
export function followUpsSection(runId: string, learnings: readonly Learning[], actions: readonly ActionItem[], today: string): Html {
  const short = runId.slice(0, 8);
  return html`<h2>Learnings</h2>
${learnings.length ? html`<ul class="learnings">${learnings.map((learning) => html`<li>${learning.text} <span class="muted">— ${learning.by}, ${learning.at.slice(0, 10)}</span></li>`)}</ul>` : html`<p class="muted">None yet: <code>learned ${short} &lt;text&gt;</code> in chat, or <code>firedrill learned ${short} &lt;text&gt;</code>.</p>`}
<h2>Action items</h2>
${actions.length ? actionsTable(actions, today) : html`<p class="muted">None yet: <code>action ${short} &lt;text&gt; [@owner] [due YYYY-MM-DD]</code> in chat, or <code>firedrill action ...</code>.</p>`}
<p><a href="/runs/${runId}/report.md">Drill report (Markdown)</a> · <a href="/runs/${runId}/report.json">(JSON)</a> — signed copies for audit: <code>firedrill report ${short}</code></p>`;
}

export function openActionsSection(actions: readonly ActionItem[], today: string): Html {
  return html`<h3>Open action items</h3>
${actions.length ? actionsTable(actions, today) : html`<p>No open action items.</p>`}`;
}
