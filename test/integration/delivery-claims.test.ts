import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import type { DeliveryClaims } from '../../src/chat/adapter.js';
import type { RunStore } from '../../src/engine/ports.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
const replicas: { runs: RunStore; deliveries: DeliveryClaims }[] = [];

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('deliveries');
  // Three replicas, each with its own pool on the one store, as three serve processes have.
  for (let index = 0; index < 3; index++) replicas.push(await openPostgresStores(postgres.url('deliveries')));
});
afterAll(async () => {
  for (const { runs } of replicas) await runs.close();
  await postgres?.stop();
});

it('lets exactly one of the replicas that hear a Matrix event answer it, however many events come at once', async () => {
  const events = Array.from({ length: 50 }, (_, index) => `$event-${index}:example.org`);
  const answers = await Promise.all(
    events.flatMap((eventId) => replicas.map(async ({ deliveries }, replica) => ({ eventId, replica, ours: await deliveries.claim('matrix', eventId) }))),
  );
  for (const eventId of events) {
    expect(answers.filter((answer) => answer.eventId === eventId && answer.ours), eventId).toHaveLength(1);
  }
  // A later delivery of the same event (a replica that synced late) is not answered again.
  expect(await replicas[0]!.deliveries.claim('matrix', events[0]!)).toBe(false);
  // Ids are per platform.
  expect(await replicas[0]!.deliveries.claim('slack', events[0]!)).toBe(true);
});
