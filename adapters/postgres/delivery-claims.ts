import type pg from 'pg';
import type { DeliveryClaims } from '../../src/chat/adapter.js';

/** How long a delivery's id is kept: far longer than any platform redelivers an event. */
const KEPT_FOR = '7 days';

/** Insert-once: of the replicas that hear the same event, exactly one gets true. */
export function postgresDeliveryClaims(pool: pg.Pool): DeliveryClaims {
  let lastPrune = 0;
  return {
    async claim(platform, deliveryId) {
      const result = await pool.query(
        'insert into firedrill_chat_deliveries (platform, delivery_id) values ($1, $2) on conflict do nothing',
        [platform, deliveryId],
      );
      if (Date.now() - lastPrune > 3_600_000) {
        lastPrune = Date.now();
        await pool.query(`delete from firedrill_chat_deliveries where claimed_at < now() - interval '${KEPT_FOR}'`).catch(() => undefined);
      }
      return result.rowCount === 1;
    },
  };
}
