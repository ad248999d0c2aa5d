import { closest, distance } from 'fastest-levenshtein';

/**
 * `did you mean "x"?` for a misspelt name, or '' when nothing is close enough.
 * Close enough = at most a third of the letters differ (rounded up), so `intervl`
 * finds `interval` and `hihg` finds `high`, but `foo` does not suggest `bar`.
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const match = closestName(word, candidates);
  return match === undefined ? '' : `did you mean "${match}"?`;
}

export function closestName(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const match = closest(word, [...candidates]);
  const limit = Math.max(1, Math.ceil(Math.max(word.length, match.length) / 3));
  return distance(word, match) <= limit ? match : undefined;
}

/** Joins message parts with "; " (a space after a question), skipping empty ones. */
export function joinParts(...parts: string[]): string {
  return parts
    .filter((part) => part !== '')
    .reduce((text, part) => (text === '' ? part : `${text}${text.endsWith('?') ? ' ' : '; '}${part}`), '');
}
