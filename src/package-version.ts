import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './catalogue/catalogue-files.js';

/** firedrill's version, as its package.json gives it. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
