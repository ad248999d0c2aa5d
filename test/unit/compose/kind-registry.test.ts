import { describe, expect, it } from 'vitest';
import { KIND_RUNTIMES, UNDO_ACTION_KINDS } from '../../../src/compose/index.js';
import type { KindRuntime } from '../../../src/compose/kind-runtime.js';

describe('the drill kinds, loaded when used', () => {
  it('names, for every undo action a kind records, that kind (so an undo loads only its own kind)', async () => {
    const recorded: Record<string, string> = {};
    for (const [kind, load] of Object.entries(KIND_RUNTIMES) as [string, () => Promise<KindRuntime>][]) {
      for (const action of Object.keys((await load()).undo)) recorded[action] = kind;
    }
    expect(Object.keys(recorded).length).toBeGreaterThan(0);
    expect({ ...UNDO_ACTION_KINDS }).toEqual(recorded);
  });
});
