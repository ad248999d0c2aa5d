import * as z from 'zod';
import { Bucket } from '../storage/bucket-schema.js';

const Name = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, dots, dashes, e.g. alice');

const TrustHolder = z.strictObject({
  name: Name.describe('How firedrill names this key-holder in messages and answers'),
  publicKey: z.string().min(1).describe("Path of the holder's ASCII-armoured public key, relative to the config file"),
  slack: z.string().optional().describe('Slack user id, to mention them in drills'),
  matrix: z.string().optional().describe('Matrix user id, e.g. @alice:example.org'),
});

function uniqueNames(what: string) {
  return (items: readonly { name: string }[], context: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.name)) {
        context.addIssue({ code: 'custom', path: [index, 'name'], message: `${what} "${item.name}" is listed twice; give each a different name` });
      }
      seen.add(item.name);
    });
  };
}

/**
 * The circle of trust: who holds keys to the sealed DR bundle and where copies of it live.
 * The size rules (at least 3 holders, at least `threshold` left when one is gone) are
 * reported by `firedrill trust verify`, not here, so that a shrinking circle can still be
 * loaded and re-sealed. The config's `trust:` section.
 */
export const Trust = z.strictObject({
  threshold: z
    .number()
    .int()
    .min(1)
    .describe('How many key-holders must still be able to decrypt everything when one of them is gone'),
  holders: z.array(TrustHolder).min(1, 'list the key-holders of the circle').superRefine(uniqueNames('holder')),
  buckets: z
    .array(Bucket.extend({ name: Name.describe('How firedrill names this bucket in messages') }))
    .min(1, 'list at least one bucket for the sealed bundle')
    .superRefine(uniqueNames('bucket')),
});
export type Trust = z.infer<typeof Trust>;
export type TrustHolder = Trust['holders'][number];
export type TrustBucket = Trust['buckets'][number];
