#!/usr/bin/env node
import module from 'node:module';
import { join } from 'node:path';
import { stateDir } from './state-dir.js';

// The package's bin. On Node 22.1 and later V8 keeps the code it compiled for firedrill and
// its libraries between starts, which spares every command most of its compile time; it is
// enabled before anything else is loaded, hence this file. The cache lives in firedrill's own
// state directory rather than a shared temporary one, where another user could plant code.
// Node checks each entry against the source it was compiled from; where the directory cannot
// be written (a read-only root filesystem) the cache is simply off. Node 20 has no such cache.
const { enableCompileCache } = module as { enableCompileCache?: (directory: string) => unknown };
try {
  enableCompileCache?.(join(stateDir(), 'compile-cache'));
} catch {
  // A cache is an optimisation: without it firedrill only starts more slowly.
}
await import('./cli.js');
