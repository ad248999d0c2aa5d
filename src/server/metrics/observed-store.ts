import type { RunStore } from '../../engine/ports.js';

/**
 * The store, telling `finished` about each scorecard this process writes: the measured
 * histograms are observed once per run, by the process that finished it (a run taken over
 * after a crash is finished, and so observed, by the replica that took it over).
 */
export function observingFinishes(store: RunStore, finished: (scorecard: unknown) => void): RunStore {
  const finish: RunStore['finish'] = async (runId, outcome, scorecard) => {
    await store.finish(runId, outcome, scorecard);
    finished(scorecard);
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'finish') return finish;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
