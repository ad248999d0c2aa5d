/**
 * Remembers ids for `rememberMs` (at most `max` of them, the oldest forgotten first) and says
 * whether an id is new: a replayed signature or a repeated delivery is seen twice.
 */
export function seenOnce(rememberMs: number, options: { max?: number; now?: () => number } = {}): (id: string) => boolean {
  const max = options.max ?? 10_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  return (id) => {
    const at = now();
    // Insertion order is expiry order: stop at the first that still counts.
    for (const [known, expires] of seen) {
      if (expires > at && seen.size < max) break;
      seen.delete(known);
    }
    if (seen.has(id)) return false;
    seen.set(id, at + rememberMs);
    return true;
  };
}
