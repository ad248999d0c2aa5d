import { PAGE_ACCESS_PATHS } from './page-access.js';

/** `/runs/<id>`, `/runs/<id>/report.md`, `/runs/<id>/report.json`. */
export const RUN_PATH = /^\/runs\/([^/]+?)(\/report\.(md|json))?$/;

/** The pages and exports (not sign-in and sign-out). */
export function isPagePath(path: string): boolean {
  return path === '/' || path === '/runs' || path === '/runs.csv' || path === '/runs.json' || path === '/score' || RUN_PATH.test(path);
}

/** Whether the pages router answers this path: a page, or signing in or out. */
export function isPagesRouterPath(path: string): boolean {
  return isPagePath(path) || PAGE_ACCESS_PATHS.includes(path);
}
