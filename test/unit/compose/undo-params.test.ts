import { describe, expect, it } from 'vitest';
import { runtimeFactory } from '../../../src/compose/index.js';
import { PermanentUndoFailure } from '../../../src/engine/rollback.js';
import type { ProcessJournal } from '../../../src/engine/ports.js';

const processes: ProcessJournal = { started: async () => undefined, ended: async () => undefined };
const environment = { protected: false, allowProductionLookingNames: false, buckets: {} };

describe('recorded undo parameters read back from the journal', () => {
  it.each([
    ['run-undo-command', { command: 42 }, /undo "run-undo-command" are damaged \(command: .*\): undo the drill by hand, then run `firedrill recover`/],
    ['uncordon-node', { context: 'kind' }, /undo "uncordon-node" are damaged \(node: .*\): uncordon the node with kubectl uncordon/],
    ['delete-challenge', { key: 'k', buckets: 'all' }, /undo "delete-challenge" are damaged \(buckets: /],
    ['restore-namespaces', { context: 'c', namespaces: [{ objects: [] }] }, /undo "restore-namespaces" are damaged \(namespaces\.0\.name: /],
  ])('%s with damaged parameters fails for good, saying what to do by hand', async (action, params, message) => {
    const undoer = await runtimeFactory({ configDir: '/tmp', env: {} }).undoerFor('staging', environment, { runId: 'r', drillId: 'd', processes });
    const attempt = undoer.undo({ action, description: 'test', params });
    await expect(attempt).rejects.toBeInstanceOf(PermanentUndoFailure);
    await expect(attempt).rejects.toThrow(message);
  });
});
