import type { PagesDeps, PagesHandler } from './pages-router.js';
import { isPagesRouterPath } from './page-paths.js';

/**
 * The pages router, loaded with the first request for a page rather than at every start of
 * `serve`: the pages, their charts, the score and the reports are most of serve's own code,
 * and a replica may serve for days with nobody reading them.
 */
export function lazyPagesRouter(deps: PagesDeps): PagesHandler {
  let router: Promise<PagesHandler> | undefined;
  return async (request, response, path) => {
    if (!isPagesRouterPath(path)) return false;
    router ??= import('./pages-router.js').then(({ pagesRouter }) => pagesRouter(deps));
    return (await router)(request, response, path);
  };
}
