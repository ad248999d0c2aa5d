import { DEFAULT_EVERY_MS, FAILED_RUN_CREDIT, SEVERITY_WEIGHTS, type ResilienceScore } from '../scoring/resilience-score.js';
import { durationText, timeText } from './format.js';
import { html, type Html } from './html.js';
import { resultBadge } from './layout.js';

/** /score: how the resilience score is computed, then each environment's numbers, so a reader can redo the sum. */
export function scorePageBody(scores: readonly ResilienceScore[], defaultEveryMs: number = DEFAULT_EVERY_MS): Html {
  return html`<h1>Resilience score</h1>
<section class="card"><h2>How it is computed</h2>
<p>Each environment scores 0–100 from the drills that apply there:</p>
<p><code>score = round(100 × Σ points ÷ Σ weight)</code>, where for each drill <code>points = weight × credit × freshness</code>.</p>
<ul>
<li><strong>weight</strong> comes from the drill's severity: ${Object.entries(SEVERITY_WEIGHTS).map(([severity, weight], index) => html`${index ? ', ' : ''}${severity} ${weight}`)}.
A critical drill counts eight times a low one.</li>
<li><strong>credit</strong> is what the drill's last counted run earned: 1 if it passed; if it failed, ${FAILED_RUN_CREDIT} × the share of its objectives (TTD, RTO, RPO) it met;
0 if it was aborted or nobody detected the fault. Refused runs tested nothing and are skipped (the run before counts); a run still going never counts. Nothing is counted as passed that did not pass.</li>
<li><strong>freshness</strong> is 1 until the drill's expected interval (<code>every:</code>, default ${durationText(defaultEveryMs)}) has passed since its last counted run;
then the drill is <em>overdue</em> and its freshness falls linearly to 0 at twice the interval. A drill never run here scores 0.</li>
</ul>
<p>Points never exceed the weight, so the score never exceeds 100; an environment where no drill applies has no score rather than 0 or 100.</p>
</section>
${scores.map(environmentScoreSection)}`;
}

function environmentScoreSection(score: ResilienceScore): Html {
  return html`<section class="card" id="env-${score.environment}"><h2>${score.environment}</h2>
<p>Score <span class="score" data-score="${score.score ?? ''}">${score.score ?? '–'}</span>
${score.score === null ? 'no drill applies here' : html`= round(100 × ${score.points} ÷ ${score.maxPoints})`}, as of ${timeText(score.at)}.</p>
<table class="score-drills"><thead><tr><th>Drill</th><th>Severity</th><th class="num">Weight</th><th>Last counted run</th><th class="num">Credit</th>
<th class="num">Every</th><th class="num">Freshness</th><th class="num">Points</th><th>Why</th></tr></thead>
<tbody>${score.drills.map(
    (drill) => html`<tr data-drill="${drill.drill}"${drill.overdue ? html` class="overdue"` : ''}><td>${drill.title}<br><span class="muted">${drill.drill}</span></td>
<td>${drill.severity}</td><td class="num">${drill.weight}</td>
<td>${resultBadge(drill.lastResult)} ${drill.lastRunAt ? timeText(drill.lastRunAt) : ''}</td>
<td class="num">${drill.credit}</td><td class="num">${durationText(drill.everyMs)}</td>
<td class="num">${drill.freshness}${drill.overdue ? html`<br><span class="missed">overdue</span>` : ''}</td>
<td class="num">${drill.points}</td><td>${drill.explanation}</td></tr>`,
  )}</tbody>
<tfoot><tr><th colspan="2">Total</th><td class="num">${score.maxPoints}</td><td colspan="4"></td><td class="num">${score.points}</td><td></td></tr></tfoot></table>
</section>`;
}
