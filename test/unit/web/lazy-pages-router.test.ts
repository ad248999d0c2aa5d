import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { lazyPagesRouter } from '../../../src/web/lazy-pages-router.js';
import type { PagesDeps } from '../../../src/web/pages-router.js';
import { createLogger } from '../../../src/log.js';

/** Deps whose guard records each visit and turns the visitor away (it would answer the request itself). */
function guarded(): { deps: PagesDeps; guarded: string[] } {
  const visits: string[] = [];
  const deps = {
    guard: async (request: IncomingMessage) => {
      visits.push(request.url ?? '');
      return undefined;
    },
    log: createLogger('silent'),
  } as unknown as PagesDeps;
  return { deps, guarded: visits };
}

const request = (url: string) => ({ url, method: 'GET', headers: {} }) as IncomingMessage;
const response = {} as ServerResponse;

describe('the pages router loaded with the first page request', () => {
  it('leaves every other path to the routes after it, without asking who the visitor is', async () => {
    const { deps, guarded: visits } = guarded();
    const pages = lazyPagesRouter(deps);
    for (const path of ['/hooks/alertmanager', '/slack/events', '/runs/1/2', '/favicon.ico']) expect(await pages(request(path), response, path)).toBe(false);
    expect(visits).toEqual([]);
  });

  it('answers pages, exports and signing in through the router, which asks the guard first', async () => {
    const { deps, guarded: visits } = guarded();
    const pages = lazyPagesRouter(deps);
    for (const path of ['/', '/runs', '/runs.csv', '/score', '/runs/8d1f', '/runs/8d1f/report.md', '/login']) expect(await pages(request(path), response, path)).toBe(true);
    expect(visits).toEqual(['/', '/runs', '/runs.csv', '/score', '/runs/8d1f', '/runs/8d1f/report.md', '/login']);
  });
});
