import * as z from 'zod';
import { CronExpression, TimeZone } from '../schedule/schedule-schema.js';

/**
 * `digest:` in the config: the weekly summary for managers, posted by `firedrill serve` (the
 * leader only, once per period however many replicas run) to chat channels or rooms.
 */
export const Digest = z
  .strictObject({
    cron: CronExpression.default('0 9 * * 1').describe('When to post it, e.g. "0 9 * * 1" is Mondays at 09:00; the digest covers the period since the cron time before'),
    timezone: TimeZone.default('UTC'),
    channels: z
      .array(z.string().min(1))
      .min(1, 'list at least one Slack channel id or Matrix room id to post the digest to')
      .describe('Where to post it: Slack channel ids (C0123ABC) and/or Matrix room ids (!abc:example.org), each through the platform that has it'),
    environments: z.array(z.string()).optional().describe('The environments it covers; default: all that are not protected'),
  })
  .optional()
  .describe('A weekly digest for managers: drills run, passed, failed and not detected, trends, the worst objective miss, drills overdue, open action items');
export type Digest = z.infer<typeof Digest>;
