import type { Config } from '../config/config-schema.js';
import { isLoopbackHost } from '../net/addresses.js';
import type { Problem } from './problems.js';
import { atPath, problemAt, type YamlSource } from './yaml-source.js';

/**
 * Warnings from `validate`: pages that anyone on the network could read (served nowhere, in
 * fact: the guard refuses them, which is a surprise better found before deploying), and a
 * token that would cross the network unencrypted.
 */
export function pagesAccessWarnings(config: Pick<Config, 'server'>, source: YamlSource): Problem[] {
  const { server } = config;
  const warnings: Problem[] = [];
  const warn = (path: string[], message: string) => warnings.push({ ...problemAt(source, path, atPath(path, message)), severity: 'warning' });
  const auth = server.pages?.auth;
  if (!auth && !isLoopbackHost(server.host)) {
    warn(
      ['server', 'host'],
      `firedrill listens on ${server.host} but server.pages.auth is not set, so the pages (/, /runs, /score) answer 403 to everyone; ` +
        'set server.pages.auth to {token: {env: FIREDRILL_PAGES_TOKEN}} or {trustedHeader: X-Forwarded-User, trustedProxies: [<proxy CIDR>]}',
    );
  }
  if (auth && 'token' in auth && server.publicUrl?.startsWith('http:') && !isLoopbackHost(new URL(server.publicUrl).hostname)) {
    warn(['server', 'publicUrl'], 'the pages token and session cookies would travel unencrypted over http: serve firedrill behind https and use an https publicUrl');
  }
  return warnings;
}
