import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config-schema.js';
import { DRILL_KINDS } from '../catalogue/drill-kinds.js';
import type { DrillCatalogue } from '../catalogue/effective.js';
import type { RunStore } from '../engine/ports.js';
import type { RunHistory, RunTrends } from '../history/ports.js';
import type { Logger } from '../log.js';
import { environmentScore, scoredDrills, scoreTrend, weekStartsBefore } from '../scoring/environment-score.js';
import { followUpsOf } from '../followups/follow-ups.js';
import { canonicalJson } from '../reports/canonical-json.js';
import { buildDrillReport, renderReportMarkdown } from '../reports/drill-report.js';
import { followUpsSection, openActionsSection } from './follow-ups-view.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';
import { HEATMAP_WEEKS, overviewBody, drillsShown, TREND_RUNS, type EnvironmentOverview } from './overview-page.js';
import type { PageGuard, PageVisitor } from './page-access.js';
import { isPagePath, isPagesRouterPath, RUN_PATH } from './page-paths.js';
import { requestUrl, sendPage } from './page-responses.js';
import { runPageBody } from './run-page.js';
import { parseRunQuery } from './run-query.js';
import { streamExport } from './runs-export.js';
import { RUNS_PAGE_SIZE, runsPageBody } from './runs-page.js';
import { scorePageBody } from './score-page.js';

export interface PagesDeps {
  history: RunHistory & RunTrends;
  runs: Pick<RunStore, 'get' | 'scorecard' | 'events' | 'findByPrefix' | 'actionItems'>;
  catalogue: DrillCatalogue & { config: Config };
  /** Who may read (page-access.ts): it answers the request itself when the visitor may not. */
  guard: PageGuard;
  log: Logger;
  now?: () => Date;
}

/** Answers a request for a page and resolves true, or resolves false when the path is not a page. */
export type PagesHandler = (request: IncomingMessage, response: ServerResponse, path: string) => Promise<boolean>;

/** How many open action items the overview lists per environment. */
const OPEN_ACTIONS_SHOWN = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The managers' pages (read-only, server-rendered HTML that needs no JavaScript) and the run exports. */
export function pagesRouter(deps: PagesDeps): PagesHandler {
  const now = deps.now ?? (() => new Date());
  const environments = () => Object.keys(deps.catalogue.config.environments).sort();

  return async (request, response, path) => {
    const isPage = isPagePath(path);
    if (!isPagesRouterPath(path)) return false;
    if (isPage && request.method !== 'GET' && request.method !== 'HEAD') {
      sendPage(response, 405, layout({ title: 'Read-only', body: html`<h1>Read-only</h1><p>These pages only read: use GET.</p>` }), { allow: 'GET, HEAD' });
      return true;
    }
    const visitor = await deps.guard(request, response);
    if (!visitor || !isPage) return true;
    const url = requestUrl(request);
    if (path === '/') return page(response, 'Overview', await overview(), visitor);
    if (path === '/score') return page(response, 'Resilience score', await scorePage(), visitor);
    if (path === '/runs' || path === '/runs.csv' || path === '/runs.json') {
      const parsed = parseRunQuery(url.searchParams);
      if (!parsed.ok) return problem(response, 400, 'That filter means nothing', parsed.problem, visitor, path !== '/runs');
      const { filter, page: pageNumber } = parsed.query;
      if (path !== '/runs') {
        await streamExport(response, path === '/runs.csv' ? 'csv' : 'json', deps.history.exportRuns(filter), `firedrill-runs.${path.slice(6)}`);
        return true;
      }
      const runs = await deps.history.runs(filter, { page: pageNumber, pageSize: RUNS_PAGE_SIZE });
      const choices = { environments: environments(), drills: [...deps.catalogue.drills.keys()].sort(), kinds: [...DRILL_KINDS] };
      return page(response, 'Runs', runsPageBody(url.searchParams, runs, choices), visitor);
    }
    const [, id, , report] = RUN_PATH.exec(path)!;
    return runPage(response, id!, visitor, report as 'md' | 'json' | undefined);
  };

  async function overview(): Promise<Html> {
    const at = now();
    const names = environments();
    const weeks = weekStartsBefore(at, HEATMAP_WEEKS);
    const [standings, cells] = await Promise.all([
      deps.history.standings({}),
      // Whole weeks (Monday to Monday), which the store answers from its tallies.
      deps.history.weeks({ from: weeks[0]!, to: new Date(weeks.at(-1)!.getTime() + 7 * 86_400_000) }),
    ]);
    const shown = names.map((name) => {
      const drills = scoredDrills(deps.catalogue, name);
      const own = standings.filter((standing) => standing.environment === name);
      return { name, drills, standings: own, pairs: drillsShown(drills, own).map((drill) => ({ environment: name, drill })) };
    });
    const pairs = shown.flatMap((environment) => environment.pairs);
    const [trends, scores, actions] = await Promise.all([
      deps.history.trends(pairs, TREND_RUNS),
      Promise.all(
        shown.map(async (environment) => {
          const [score, trend] = await Promise.all([
            environmentScore(deps.history, deps.catalogue, environment.name, at),
            scoreTrend(deps.history, deps.catalogue, environment.name, at, HEATMAP_WEEKS),
          ]);
          return { now: score, trend };
        }),
      ),
      Promise.all(shown.map((environment) => deps.runs.actionItems({ open: true, environment: environment.name, limit: OPEN_ACTIONS_SHOWN }))),
    ]);
    const trendOf = new Map(pairs.map((pair, index) => [`${pair.environment}\u0000${pair.drill}`, trends[index] ?? []]));
    const overviews: EnvironmentOverview[] = shown.map((environment, index) => ({
      name: environment.name,
      drills: environment.drills,
      score: scores[index]!,
      standings: environment.standings,
      trends: new Map(environment.pairs.map((pair) => [pair.drill, trendOf.get(`${pair.environment}\u0000${pair.drill}`) ?? []])),
      weeks: cells.filter((cell) => cell.environment === environment.name),
      openActions: openActionsSection(actions[index] ?? [], at.toISOString().slice(0, 10)),
    }));
    return overviewBody(overviews, at);
  }

  async function scorePage(): Promise<Html> {
    const at = now();
    const scores = await Promise.all(environments().map((name) => environmentScore(deps.history, deps.catalogue, name, at)));
    return scorePageBody(scores, deps.catalogue.config.scoring.defaultEvery);
  }

  async function runPage(response: ServerResponse, id: string, visitor: PageVisitor, report?: 'md' | 'json'): Promise<boolean> {
    if (!UUID.test(id)) {
      const matches = /^[0-9a-f-]{4,36}$/i.test(id) ? await deps.runs.findByPrefix(id) : [];
      if (matches.length === 1) {
        response.writeHead(302, { location: `/runs/${matches[0]!.id}${report ? `/report.${report}` : ''}`, 'cache-control': 'no-store' });
        response.end();
        return true;
      }
      if (matches.length > 1) {
        return page(response, 'Which run?', html`<h1>Which run?</h1><p>Several runs start with <code>${id}</code>:</p>
<ul>${matches.map((run) => html`<li><a href="/runs/${run.id}">${run.id}</a> ${run.drill} in ${run.environment}</li>`)}</ul>`, visitor, 300);
      }
      return problem(response, 404, 'No such run', `No run has the id ${id}. Runs are listed at /runs.`, visitor);
    }
    const summary = await deps.runs.get(id);
    if (!summary) return problem(response, 404, 'No such run', `No run has the id ${id}. Runs are listed at /runs.`, visitor);
    const [scorecard, events] = await Promise.all([deps.runs.scorecard(id), deps.runs.events(id)]);
    const at = now().toISOString();
    if (report) {
      if (!events.some((event) => event.type === 'run-created')) return problem(response, 404, 'No report', `Run ${id} has no journal to report on.`, visitor);
      const built = buildDrillReport({ runId: id, events, scorecard, generatedAt: at });
      const [type, text] = report === 'md' ? ['text/markdown; charset=utf-8', renderReportMarkdown(built)] : ['application/json; charset=utf-8', canonicalJson(built)];
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'content-disposition': `inline; filename="${id}.${report}"` });
      response.end(text);
      return true;
    }
    const { learnings, actions } = followUpsOf(events, id);
    const body = await runPageBody(summary, scorecard, events, { followUps: followUpsSection(id, learnings, actions, at.slice(0, 10)) });
    return page(response, `Run ${id.slice(0, 8)}`, body, visitor);
  }
}

function page(response: ServerResponse, title: string, body: Html, visitor: PageVisitor, status = 200): true {
  sendPage(response, status, layout({ title, body, visitor: visitor.via === 'loopback' ? undefined : visitor.name }));
  return true;
}

/** A problem the reader can fix (a bad filter, an unknown run), said plainly; an export's client gets it as JSON. */
function problem(response: ServerResponse, status: number, title: string, detail: string, visitor: PageVisitor, asJson = false): true {
  if (asJson) {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    response.end(JSON.stringify({ error: detail }));
    return true;
  }
  return page(response, title, html`<h1>${title}</h1><p class="card error">${detail}</p><p><a href="/runs">All runs</a></p>`, visitor, status);
}
