/** Failed logins allowed from one address within the window before it must wait. */
export const MAX_FAILED_LOGINS = 5;
export const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;
/** Addresses remembered at most; the oldest are forgotten first, so a flood cannot fill memory. */
const MAX_TRACKED = 10_000;

export interface LoginThrottle {
  /** How long (ms) this address must wait before trying again; 0 when it may try now. */
  waitFor(address: string): number;
  failed(address: string): void;
  succeeded(address: string): void;
}

/**
 * Limits guessing of the pages token: after MAX_FAILED_LOGINS failures from one address
 * within the window, that address is refused until the window of its first failure ends.
 */
export function loginThrottle(now: () => number = Date.now, limits = { max: MAX_FAILED_LOGINS, windowMs: FAILED_LOGIN_WINDOW_MS }): LoginThrottle {
  const failures = new Map<string, { count: number; since: number }>();
  const current = (address: string) => {
    const entry = failures.get(address);
    if (entry && now() - entry.since >= limits.windowMs) {
      failures.delete(address);
      return undefined;
    }
    return entry;
  };
  return {
    waitFor(address) {
      const entry = current(address);
      return entry && entry.count >= limits.max ? entry.since + limits.windowMs - now() : 0;
    },
    failed(address) {
      const entry = current(address);
      if (entry) entry.count += 1;
      else failures.set(address, { count: 1, since: now() });
      while (failures.size > MAX_TRACKED) failures.delete(failures.keys().next().value!);
    },
    succeeded(address) {
      failures.delete(address);
    },
  };
}
