import type { Environment } from '../config/config-schema.js';

/** Why this environment may never be a drill target; undefined when it may. */
export function environmentRefusal(name: string, environment: Environment): string | undefined {
  if (environment.protected) return `environment "${name}" is protected: firedrill never injects faults into it`;
  if (environment.allowProductionLookingNames) return undefined;
  const suspect = productionLookingNames(name, environment)[0];
  if (suspect) {
    return (
      `${suspect} looks like production; firedrill only drills staging. ` +
      `If environment "${name}" really is a staging target, set allowProductionLookingNames: true on it`
    );
  }
  return undefined;
}

/**
 * The names of an environment known before connecting that look like production: its own, its
 * kube context, namespaces and buckets. Hosts and databases are judged when their URL is read.
 */
export function productionLookingNames(name: string, environment: Environment): string[] {
  const named: [string, string][] = [
    ['environment', name],
    ...(environment.kubernetes?.context ? [['kube context', environment.kubernetes.context] as [string, string]] : []),
    ...(environment.kubernetes?.allowedNamespaces ?? []).map((namespace): [string, string] => ['namespace', namespace]),
    ...Object.values(environment.buckets).map((bucket): [string, string] => ['bucket', bucket.bucket]),
  ];
  return named.filter(([, value]) => looksLikeProduction(value)).map(([what, value]) => `${what} "${value}"`);
}

/** Words that contain a production marker without meaning production. */
const HARMLESS = /^(alive|olive|deliver(y|ies|ed)?)$|product(?!ion)|reproduc/;

/**
 * Whether a name looks like production: the name is split into words (at anything that is
 * not a letter or digit, and between a lower-case letter and an upper-case one), and a word
 * counts when it holds `prod` or `prd` anywhere (`preprod`, `euproddb`, `shopproduction`) or
 * begins or ends with `live` (`liveshop`, `golive`), unless it is an ordinary word such as
 * `products` or `delivery`. Hosts, database names, contexts, namespaces and buckets are all
 * judged by this one rule.
 */
export function looksLikeProduction(text: string): boolean {
  const words = text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.some((word) => !HARMLESS.test(word) && (/prod|prd/.test(word) || /^live|live$/.test(word.replace(/\d+$/, ''))));
}
