import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dropTableFault } from '../../adapters/postgres/drop-table-fault.js';
import { captureTableDefinition } from '../../adapters/postgres/capture-table-definition.js';
import { RestoreTableParams, undoDropTable } from '../../adapters/postgres/restore-table-undo.js';
import { backupTable, restoreTableBackup } from '../../adapters/postgres/table-backup.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { connectToEnvironmentDatabase, type EnvironmentDatabase } from '../../src/compose/postgres-environment.js';
import { findEvents } from '../../src/engine/events.js';
import type { FaultJournal } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { eventWaiter, ordersDrill, startDrillWorld, type DrillWorld } from '../support/drill-world.js';
import { oldDefinitionShape } from '../support/old-manifest.js';
import { createRichTable, RICH_TABLE, RICH_TABLE_ORDER } from '../support/rich-table.js';
import { readTableCatalog, tableDigest, type TableCatalog } from '../support/table-catalog.js';

let world: DrillWorld;
let database: EnvironmentDatabase;
let before: TableCatalog;
let rows: { rows: number; digest: string };

const environment = () => ({ ...world.environment, postgres: { ...world.environment.postgres!, allowedTables: [RICH_TABLE] } });
const options = () => ({ configDir: process.cwd(), env: world.env });

/** The drop-table drill on the rich table, with a canary RPO marker (its table must go too). */
const richDrill = (fields: Record<string, unknown> = {}) =>
  ordersDrill({
    id: 'drop-shop-orders',
    target: { table: RICH_TABLE },
    steadyState: {
      probes: [{ type: 'sql', name: 'orders readable', query: `select count(*) > 0 from ${RICH_TABLE}` }],
      interval: '100ms',
      stableFor: '500ms',
    },
    rpo: { marker: 'canary', interval: '100ms' },
    verify: [{ type: 'sql', name: 'orders present', query: `select count(*) > 0 from ${RICH_TABLE}` }],
    ...fields,
  });

const runRich = (fields: Record<string, unknown> = {}, onEvent?: ReturnType<typeof eventWaiter>['onEvent']) =>
  runDrill(
    { store: world.store, clock: world.clock, runtimes: world.runtimes },
    { drill: richDrill(fields), environmentName: 'staging', environment: environment(), requestedBy: 'alice', ...(onEvent ? { onEvent } : {}) },
  );

const abort = (runId: string) => world.store.append(runId, { type: 'abort-requested', by: 'carol', reason: 'test' }, world.clock.now());

async function incomingKeyNames(): Promise<string[]> {
  const result = await world.staging.query<{ name: string }>(
    "select conname as name from pg_constraint where conrelid = 'shop.order_lines'::regclass and contype = 'f'",
  );
  return result.rows.map((row) => row.name);
}

/** The same table, catalog by catalog, with the same rows. */
async function expectAsBefore(): Promise<void> {
  expect(await readTableCatalog(world.staging, RICH_TABLE)).toEqual(before);
  expect(await tableDigest(world.staging, RICH_TABLE, RICH_TABLE_ORDER)).toEqual(rows);
}

beforeAll(async () => {
  world = await startDrillWorld();
  database = await connectToEnvironmentDatabase('staging', environment(), options());
});

afterAll(async () => {
  await database?.pool.end();
  await world?.stop();
});

beforeEach(async () => {
  await createRichTable(world.staging);
  before = await readTableCatalog(world.staging, RICH_TABLE);
  rows = await tableDigest(world.staging, RICH_TABLE, RICH_TABLE_ORDER);
});

describe('the rich table the comparisons below rely on', () => {
  it('has one of everything a restore can get wrong, as the catalog reader sees it', () => {
    expect(before.columns.map((column) => [column.attname, column.default ?? column.attidentity ?? column.attgenerated])).toContainEqual([
      'id',
      "nextval('shop.orders_id_seq'::regclass)",
    ]);
    expect(before.columns.find((column) => column.attname === 'ref')?.attidentity).toBe('d');
    expect(before.columns.find((column) => column.attname === 'with_tax')?.attgenerated).toBe('s');
    expect(before.columns.find((column) => column.attname === 'label')?.collation).toBe('"C"');
    expect(before.constraints.map((constraint) => constraint.contype).sort().join('')).toBe('ccffnnnnpux');
    expect(before.constraints.find((constraint) => constraint.conname === 'orders_amount_cap')?.convalidated).toBe(false);
    expect(before.indexes.map((index) => index.definition)).toContain(
      'CREATE INDEX orders_label_partial_idx ON shop.orders USING btree (label) WHERE (amount > (100)::numeric)',
    );
    expect(before.triggers.map((trigger) => [trigger.tgname, trigger.tgenabled])).toEqual([['orders_quiet', 'D'], ['orders_touch', 'O']]);
    expect(before.policies.map((policy) => policy.polname)).toEqual(['orders_sane', 'orders_small']);
    expect(before.relation).toMatchObject({ owner: 'shop_owner', relrowsecurity: true, relforcerowsecurity: true, relreplident: 'f' });
    expect(before.relation.acl).toContain('shop_reader=r/shop_app');
    expect(before.columns.find((column) => column.attname === 'label')?.acl).toEqual(['shop_reader=w/shop_owner']);
    expect(before.sequences.map((sequence) => [sequence.sequence, sequence.last_value])).toEqual([
      ['shop.orders_id_seq', '507'],
      ['shop.orders_ref_seq', '3510'],
    ]);
    expect(before.incomingForeignKeys).toEqual([expect.objectContaining({ conname: 'order_lines_order_fkey', comment: 'lines belong to an order' })]);
    expect([before.relation.comment, before.triggers[1]?.comment, before.policies[1]?.comment]).not.toContain(null);
  });
});

describe('the drop-table drill on a rich table', () => {
  it('hides the table as DROP TABLE ... CASCADE would, and the undo after an abort gives back the very same table', async () => {
    const waiter = eventWaiter();
    const running = runRich({}, waiter.onEvent);
    const { runId } = await waiter.next('injected');

    await expect(world.staging.query(`select count(*) from ${RICH_TABLE}`)).rejects.toThrow('relation "shop.orders" does not exist');
    expect(await incomingKeyNames()).toEqual([]);
    const hidden = `firedrill_safety_${runId.replace(/-/g, '').slice(0, 12)}`;
    expect(await world.leftovers()).toEqual([`schema ${hidden}`, 'table public.firedrill_canary']);
    const steps = findEvents(await world.store.events(runId), 'fault-step').map((step) => step.action);
    expect(steps).toEqual([
      'dropped foreign key order_lines_order_fkey of shop.order_lines, as DROP TABLE ... CASCADE does',
      `moved shop.orders into the schema ${hidden}: for the app it is gone, as after DROP TABLE`,
    ]);

    await abort(runId);
    const { scorecard } = await running;
    expect(scorecard.outcome).toBe('aborted');
    const undone = scorecard.events.map((event) => event.text).join('\n');
    expect(undone).toContain(`shop.orders moved back from ${hidden}, as it was`);
    expect(undone).toContain('foreign keys added back: order_lines_order_fkey of shop.order_lines');
    await expectAsBefore();
    expect(await world.leftovers()).toEqual([]);
  });

  it('after the team restored the table from its backup, keeps theirs (the same table again) and leaves nothing behind', async () => {
    const client = await world.staging.connect();
    try {
      await backupTable({ client, table: RICH_TABLE, store: world.backups });
    } finally {
      client.release();
    }
    const waiter = eventWaiter();
    const running = runRich({}, waiter.onEvent);
    const { runId } = await waiter.next('injected');
    await world.store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }, world.clock.now());
    const team = await world.staging.connect();
    let notes: string[];
    try {
      ({ notes } = await restoreTableBackup({ client: team, store: world.backups, table: RICH_TABLE, backup: 'newest' }));
    } finally {
      team.release();
    }
    const { scorecard } = await running;

    expect(notes).toEqual([]);
    expect(scorecard.outcome).toBe('pass');
    expect(scorecard.events.map((event) => event.text).join('\n')).toContain("was restored by the team and is kept; firedrill's hidden original");
    await expectAsBefore();
    expect(await world.leftovers()).toEqual([]);
  });

  it('adds back an incoming foreign key NOT VALID, and says so, when rows written meanwhile break it', async () => {
    const waiter = eventWaiter();
    const running = runRich({}, waiter.onEvent);
    const { runId } = await waiter.next('injected');
    // Without its foreign key, order_lines takes a line of an order that does not exist.
    await world.staging.query('insert into shop.order_lines values (999999, 424242)');
    await abort(runId);
    const { scorecard } = await running;

    const text = scorecard.events.map((event) => event.text).join('\n');
    expect(text).toContain('foreign key order_lines_order_fkey of shop.order_lines left NOT VALID');
    expect(text).toContain('ALTER TABLE "shop"."order_lines" VALIDATE CONSTRAINT "order_lines_order_fkey"');
    const after = await readTableCatalog(world.staging, RICH_TABLE);
    const key = before.incomingForeignKeys[0]!;
    expect(after.incomingForeignKeys).toEqual([{ ...key, definition: `${String(key.definition)} NOT VALID`, convalidated: false }]);
    // It checks new rows at once; once the bad line is gone it validates, and all is as before.
    await expect(world.staging.query('insert into shop.order_lines values (999998, 424242)')).rejects.toThrow(/foreign key/);
    await world.staging.query('delete from shop.order_lines where id = 999999');
    await world.staging.query('alter table shop.order_lines validate constraint order_lines_order_fkey');
    await expectAsBefore();
    expect(await world.leftovers()).toEqual([]);
  });

  it("refuses when firedrill's role may not move the table away and back, and says what it lacks", async () => {
    await world.staging.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'drill_limited') then create role drill_limited login password 'Xq7-limited-role-pw'; end if;
    end $$; grant usage on schema shop to drill_limited; grant select on shop.orders to drill_limited`);
    before = await readTableCatalog(world.staging, RICH_TABLE);
    const url = new URL(world.stagingUrl);
    url.username = 'drill_limited';
    url.password = 'Xq7-limited-role-pw';
    const limited = runtimeFactory({ configDir: process.cwd(), env: { ...world.env, LIMITED_URL: url.toString() } });
    const { scorecard } = await runDrill(
      { store: world.store, clock: world.clock, runtimes: limited },
      { drill: richDrill({ rpo: undefined }), environmentName: 'staging', requestedBy: 'alice',
        environment: { ...environment(), postgres: { url: { env: 'LIMITED_URL' }, allowedTables: [RICH_TABLE] } } },
    );
    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toContain(
      'drill_limited must own shop.orders (be a member of its owner); CREATE on the database (for the schema the table is hidden in); ' +
        'CREATE on the schema of shop.orders (to move it back); own shop.order_lines (their foreign keys point at shop.orders)',
    );
    await expectAsBefore();
    expect(await world.leftovers()).toEqual([]);
  });

  it('refuses a table that a view depends on, since DROP TABLE would need CASCADE on it, and changes nothing', async () => {
    await world.staging.query('create view shop.order_totals as select customer_id, sum(amount) from shop.orders group by 1');
    const { scorecard } = await runRich();
    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toContain('view shop.order_totals');
    await expectAsBefore();
    expect(await world.leftovers()).toEqual([]);
  });
});

describe('the drop-table undo', () => {
  const journal: FaultJournal = { undoRecorded: async () => undefined, changed: async () => undefined, signal: new AbortController().signal };

  async function prepare(table = RICH_TABLE) {
    const runId = randomUUID();
    const fault = dropTableFault({
      pool: database.pool,
      connect: database.connectForChanges,
      table,
      allowedTables: [table],
      runId,
      databaseLabel: 'staging',
      canaryTable: 'public.firedrill_canary',
    });
    const undo = await fault.undoAction();
    return { fault, params: undo.params as RestoreTableParams, hidden: `firedrill_safety_${runId.replace(/-/g, '').slice(0, 12)}` };
  }

  async function undo(params: RestoreTableParams): Promise<string> {
    const client = await database.connectForChanges();
    try {
      return await undoDropTable(client, params);
    } finally {
      await client.end();
    }
  }

  const crashPoints: [string, (fault: Awaited<ReturnType<typeof prepare>>) => Promise<void>][] = [
    ['before the injection', async () => undefined],
    ['after the injection', async ({ fault }) => void (await fault.inject(journal))],
    [
      'in the undo, after the table moved back and before the foreign key was validated',
      async ({ fault, hidden }) => {
        await fault.inject(journal);
        await world.staging.query(`alter table ${hidden}.orders set schema shop`);
        await world.staging.query(
          'alter table shop.order_lines add constraint order_lines_order_fkey foreign key (order_id) references shop.orders(id) on delete cascade not valid',
        );
        await world.staging.query("comment on constraint order_lines_order_fkey on shop.order_lines is 'lines belong to an order'");
      },
    ],
  ];

  it.each(crashPoints)('ends with the same table and nothing of firedrill\'s, run once or twice, from a crash %s', async (_, crash) => {
    const prepared = await prepare();
    await world.staging.query(`create table if not exists public.firedrill_canary (
      written_at timestamptz primary key default clock_timestamp(), run_id text not null)`);
    await world.staging.query('insert into public.firedrill_canary (run_id) values ($1)', [(prepared.params as { canary: { runId: string } }).canary.runId]);
    await crash(prepared);
    await undo(prepared.params);
    await expectAsBefore();
    expect(await world.leftovers()).toEqual([]);
    expect(await undo(prepared.params)).toBe('shop.orders is present; nothing to move back; canary table public.firedrill_canary already removed');
    await expectAsBefore();
  });

  it('leaves alone what another run hid in the same database (a run in another environment)', async () => {
    await world.staging.query('create table public.audit (id int primary key); insert into public.audit values (1)');
    const mine = await prepare();
    const theirs = await prepare('public.audit');
    await mine.fault.inject(journal);
    await theirs.fault.inject(journal);
    await undo(mine.params);
    await expectAsBefore();
    expect(await world.leftovers()).toEqual([`schema ${theirs.hidden}`]);
    expect(await world.safetyCopies()).toEqual([`${theirs.hidden}.audit`]);
    await undo(theirs.params);
    expect(await world.leftovers()).toEqual([]);
    expect((await world.staging.query('select id from public.audit')).rows).toEqual([{ id: 1 }]);
    await world.staging.query('drop table public.audit');
  });

  it("says what to do when the team's table depends on the hidden original, or lacks the key a foreign key needs", async () => {
    const { fault, params, hidden } = await prepare();
    await fault.inject(journal);
    // A hasty restore: the shape of the hidden table, its serial default still drawing from the hidden sequence.
    await world.staging.query(`create table shop.orders (like ${hidden}.orders including defaults)`);
    await expect(undo(params)).rejects.toThrow(
      `shop.orders was restored by the team, but something depends on firedrill's hidden original ${hidden}.orders`,
    );
    await world.staging.query('alter table shop.orders alter column id drop default');
    const detail = await undo(params);
    expect(detail).toContain(`firedrill's hidden original ${hidden}.orders dropped`);
    expect(detail).toContain(
      'foreign key order_lines_order_fkey of shop.order_lines could not be added back (there is no unique constraint matching given keys',
    );
    expect(detail).toContain('run: ALTER TABLE "shop"."order_lines" ADD CONSTRAINT "order_lines_order_fkey" FOREIGN KEY (order_id) REFERENCES shop.orders(id) ON DELETE CASCADE');
    expect(await world.leftovers()).toEqual([]);
  });

  it('says what to do when both the table and its hidden original are gone', async () => {
    const { fault, params, hidden } = await prepare();
    await fault.inject(journal);
    await world.staging.query(`drop schema ${hidden} cascade`);
    await expect(undo(params)).rejects.toThrow(
      `shop.orders is missing, and the hidden original ${hidden}.orders is gone too (dropped by someone): restore shop.orders from a backup`,
    );
  });

  it('still runs the undo that an older firedrill recorded (a safety copy), and removes its schema', async () => {
    const client = await world.staging.connect();
    let recorded: unknown;
    try {
      recorded = { table: RICH_TABLE, safetyTable: { schema: 'firedrill_safety', table: 'orders_old' }, definition: oldDefinitionShape(await captureTableDefinition(client, RICH_TABLE)) };
      await client.query('create schema firedrill_safety; create table firedrill_safety.orders_old as table shop.orders; drop table shop.orders cascade');
    } finally {
      client.release();
    }
    const detail = await undo(RestoreTableParams.parse(recorded));
    expect(detail).toContain(`"shop"."orders" restored from the safety copy (${rows.rows} rows); safety copy removed; schema firedrill_safety removed`);
    expect(await tableDigest(world.staging, RICH_TABLE, RICH_TABLE_ORDER)).toEqual(rows);
    expect(await world.leftovers()).toEqual([]);
    // What older definitions did not record comes back as PostgreSQL's default: the serial follows max(id).
    const inserted = await world.staging.query<{ id: number }>("insert into shop.orders (customer_id, amount) values (1, 1) returning id");
    expect(inserted.rows[0]?.id).toBe(rows.rows + 1);
  });
});
