// The resolve hook of record-packages.mjs; it runs on the loader thread.
import { appendFileSync } from 'node:fs';

const file = process.env.FIREDRILL_RECORD_PACKAGES;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (file && resolved.url.includes('/node_modules/')) appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
