/** Pearson's chi-square of observed pick counts against the counts the weights predict. */
export function chiSquare(counts: ReadonlyMap<string, number>, weights: readonly { id: string; weight: number }[], picks: number): number {
  const total = weights.reduce((sum, item) => sum + item.weight, 0);
  return weights.reduce((sum, item) => {
    const expected = (picks * item.weight) / total;
    return sum + ((counts.get(item.id) ?? 0) - expected) ** 2 / expected;
  }, 0);
}
