import { randomBytes } from 'node:crypto';

/**
 * Picks one item with probability proportional to its weight. `random` returns a
 * number in [0, 1), like Math.random; pass `seededRandom(seed)` to make the pick
 * reproducible from a seed recorded with the run. Undefined when nothing has weight.
 */
export function pickWeighted<T extends { weight: number }>(items: readonly T[], random: () => number): T | undefined {
  const candidates = items.filter((item) => Number.isFinite(item.weight) && item.weight > 0);
  const total = candidates.reduce((sum, item) => sum + item.weight, 0);
  if (total <= 0) return undefined;
  let remaining = random() * total;
  for (const item of candidates) {
    remaining -= item.weight;
    if (remaining < 0) return item;
  }
  // Rounding can leave a sliver at the end: it belongs to the last item.
  return candidates[candidates.length - 1];
}

/** A fresh seed to record with a run, e.g. `9f2c41d07ab3`. */
export function randomSeed(): string {
  return randomBytes(6).toString('hex');
}

/**
 * A small deterministic generator (cyrb128 to hash the seed, sfc32 to generate):
 * the same seed gives the same sequence on every platform. Not for cryptography:
 * it only has to make a drill pick honest and repeatable.
 */
export function seededRandom(seed: string): () => number {
  let [a, b, c, d] = cyrb128(seed);
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
