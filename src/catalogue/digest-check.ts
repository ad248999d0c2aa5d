import type { Config } from '../config/config-schema.js';
import { ownValue } from './own.js';
import type { Problem } from './problems.js';
import { didYouMean, joinParts } from './suggest.js';
import { atPath, problemAt, type YamlSource } from './yaml-source.js';

/** digest.environments naming an environment the config does not have: reported at the name. */
export function digestProblems(config: Config, source: YamlSource): Problem[] {
  const names = Object.keys(config.environments);
  return (config.digest?.environments ?? []).flatMap((name, index) => {
    if (ownValue(config.environments, name)) return [];
    const path = ['digest', 'environments', index];
    const hint = didYouMean(name, names) || `environments: ${names.join(', ') || 'none'}`;
    return [problemAt(source, path, atPath(path, joinParts(`unknown environment "${name}"`, hint)))];
  });
}
