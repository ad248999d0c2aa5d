/** A process that only runs the advisory-lock elector and says when it leads: tests kill it with -9. */
import { startLeaderLock } from '../../adapters/postgres/leader-lock.js';

const [url, identity] = process.argv.slice(2);
const elector = startLeaderLock(url!, { identity: identity!, retryMs: 500 });
elector.onChange((leading) => process.stdout.write(`${leading ? 'leading' : 'following'}\n`));
process.stdout.write('started\n');
