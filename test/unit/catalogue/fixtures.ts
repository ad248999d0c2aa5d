import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/catalogue');

/** A fixture's path as problems print it: relative to the working directory (the repo root under vitest). */
export function fixture(name: string): string {
  return path.relative(process.cwd(), path.join(FIXTURES, name));
}
