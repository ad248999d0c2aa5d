// Loaded with `--import` (through NODE_OPTIONS) into a firedrill process under test: appends
// the path of every module loaded from node_modules to the file named by
// FIREDRILL_RECORD_PACKAGES, so that a test can tell which packages a command loaded. ES
// modules are recorded as they resolve (by the hook in record-packages-hooks.mjs), CommonJS
// ones from require's cache when the process exits. Plain JavaScript: it is loaded before tsx.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.FIREDRILL_RECORD_PACKAGES;
if (file) {
  register('./record-packages-hooks.mjs', import.meta.url);
  const { cache } = createRequire(import.meta.url);
  process.on('exit', () => {
    const loaded = Object.keys(cache).filter((path) => path.includes('/node_modules/'));
    appendFileSync(file, loaded.map((path) => `${path}\n`).join(''));
  });
}
