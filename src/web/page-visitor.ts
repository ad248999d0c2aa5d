import type { IncomingMessage, ServerResponse } from 'node:http';

/** Who is reading a page, and how that was established. */
export interface PageVisitor {
  name: string;
  via: 'token' | 'session' | 'proxy' | 'loopback';
}

/**
 * Resolves the visitor, or answers the request itself (the login form, a redirect to it,
 * 401, 403, 429) and resolves undefined. The pages router calls it first on every page,
 * and hands it PAGE_ACCESS_PATHS too.
 */
export type PageGuard = (request: IncomingMessage, response: ServerResponse) => Promise<PageVisitor | undefined>;
