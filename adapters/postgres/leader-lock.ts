import pg from 'pg';
import { Leadership, type LeaderElector } from '../../src/server/leader-elector.js';

const LEADER_NAMESPACE = 7_413_004;

export interface LeaderLockOptions {
  identity: string;
  /** Replicas of one deployment share this name; another name elects its own leader. */
  name?: string;
  /** How often a follower tries the lock, and how often the leader checks its connection. */
  retryMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Leadership as a session-level advisory lock held on a connection of its own. PostgreSQL
 * guarantees one holder, and drops the lock with the connection, so a leader killed with -9
 * frees it at once. The leader steps down the moment its connection reports an error or end,
 * and when a trivial query on it fails or takes longer than `retryMs`: a leader cut off from the
 * database cannot know whether its lock is still held, so it stops leading before it finds out.
 * It then lets one try go by, so another replica leads within one `retryMs`.
 */
export function startLeaderLock(connectionString: string, options: LeaderLockOptions): LeaderElector {
  const name = options.name ?? 'firedrill';
  const retryMs = options.retryMs ?? 2_000;
  const onError = options.onError ?? (() => undefined);
  const leadership = new Leadership();
  const stopping = new AbortController();
  let client: pg.Client | undefined;
  // A leader whose connection failed sits out its next try, so that a replica whose connection
  // held takes over, rather than whichever of them happens to ask first.
  let sitOutNextTry = false;

  const drop = (lost: pg.Client) => {
    if (client !== lost) return;
    client = undefined;
    if (leadership.isLeader) sitOutNextTry = true;
    leadership.set(false);
    void lost.end().catch(() => undefined);
  };

  async function connect(): Promise<pg.Client> {
    const fresh = new pg.Client({
      connectionString,
      application_name: `firedrill leader ${options.identity}`.slice(0, 63),
      keepAlive: true,
      query_timeout: retryMs,
      connectionTimeoutMillis: retryMs,
    });
    fresh.on('error', () => drop(fresh));
    fresh.on('end', () => drop(fresh));
    await fresh.connect();
    return fresh;
  }

  async function round(): Promise<void> {
    if (!client) {
      const fresh = await connect();
      if (stopping.signal.aborted) return void (await fresh.end().catch(() => undefined));
      client = fresh;
    }
    const current = client;
    try {
      if (leadership.isLeader) {
        await current.query('select 1');
        return;
      }
      if (sitOutNextTry) {
        sitOutNextTry = false;
        return;
      }
      const result = await current.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', [LEADER_NAMESPACE, name]);
      if (result.rows[0]?.locked && client === current && !stopping.signal.aborted) leadership.set(true);
    } catch (error) {
      drop(current);
      throw error;
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await round().catch(onError);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        stopping.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  })();

  return {
    identity: options.identity,
    describe: `PostgreSQL advisory lock "${name}"`,
    isLeader: () => leadership.isLeader,
    onChange: (listener) => leadership.onChange(listener),
    async stop() {
      stopping.abort();
      await loop;
      const last = client;
      client = undefined;
      leadership.set(false);
      // Ending the session releases the lock; another replica takes it on its next try.
      await last?.end().catch(() => undefined);
    },
  };
}
