// Loaded with `--import` (through NODE_OPTIONS) into a firedrill process under test: appends
// the URL of every module resolved from node_modules to the file named by
// FIREDRILL_RECORD_PACKAGES, so that a test can tell which packages a command loaded.
// Plain JavaScript: it is loaded before tsx.
import { register } from 'node:module';

register('./record-packages-hooks.mjs', import.meta.url);
