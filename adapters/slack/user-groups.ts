import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/log.js';

/** How long a read of the workspace's user groups is trusted; membership changes are rare. */
const CACHE_MS = 60_000;

/**
 * The Slack user groups (S…) each person belongs to, so that permissions can name a team
 * instead of people. One `usergroups.list` per minute at most; without the `usergroups:read`
 * scope it logs once and matches user ids only.
 */
export function userGroups(client: webApi.WebClient, log: Logger): (userId: string) => Promise<string[]> {
  let cache: { at: number; groups: Map<string, string[]> } | undefined;
  let warned = false;
  return async (userId) => {
    if (!cache || Date.now() - cache.at > CACHE_MS) {
      try {
        const result = await client.usergroups.list({ include_users: true });
        const groups = new Map<string, string[]>();
        for (const group of result.usergroups ?? []) {
          for (const member of group.users ?? []) groups.set(member, [...(groups.get(member) ?? []), group.id ?? '']);
        }
        cache = { at: Date.now(), groups };
      } catch (error) {
        if (!warned) log.warn({ err: error }, 'slack user groups unreadable (scope usergroups:read?); permissions match user ids only');
        warned = true;
        return [];
      }
    }
    return cache.groups.get(userId) ?? [];
  };
}
