import { describe, expect, it } from 'vitest';
import { rebuildPlan } from '../../../adapters/postgres/table-statements.js';
import { TableDefinition } from '../../../adapters/postgres/table-definition.js';

const definition = TableDefinition.parse({
  schema: 'shop',
  table: 'orders',
  columns: [
    { name: 'id', type: 'integer', collation: null, notNull: true, notNullConstraint: 'orders_id_not_null', default: "nextval('shop.orders_id_seq'::regclass)", identity: null, serial: true, sequence: { schema: 'shop', name: 'orders_id_seq', type: 'integer', start: '1', increment: '1', min: '1', max: '2147483647', cache: '1', cycle: false, lastValue: '42', isCalled: true }, generated: null },
    { name: 'parent_id', type: 'integer', collation: null, notNull: false, default: null, identity: null, serial: false, sequence: null, generated: null },
    { name: 'amount', type: 'numeric', collation: null, notNull: true, default: null, identity: null, serial: false, sequence: null, generated: null },
  ],
  constraints: [
    { name: 'orders_pkey', kind: 'primary key', definition: 'PRIMARY KEY (id)' },
    { name: 'orders_amount_check', kind: 'check', definition: 'CHECK ((amount >= (0)::numeric))' },
    { name: 'orders_amount_cap', kind: 'check', definition: 'CHECK ((amount < (1000)::numeric)) NOT VALID' },
    { name: 'orders_parent_fkey', kind: 'foreign key', definition: 'FOREIGN KEY (parent_id) REFERENCES shop.orders(id)', selfReference: 'shop.orders' },
  ],
  indexes: [{ name: 'orders_amount_idx', unique: false, definition: 'USING btree (amount)' }],
  triggers: [{ name: 'orders_touch', head: 'CREATE TRIGGER orders_touch BEFORE INSERT', tail: 'FOR EACH ROW EXECUTE FUNCTION shop.touch()', enabled: 'D' }],
});

describe('the statements that rebuild a table', () => {
  it('create a bare table for the rows: no key, index, foreign key or trigger to slow down or change the load', () => {
    const { create } = rebuildPlan(definition);
    expect(create).toEqual([
      'create sequence "shop"."orders_id_seq" as integer start with 1 increment by 1 minvalue 1 maxvalue 2147483647 cache 1 no cycle',
      'create table "shop"."orders" (\n' +
        `  "id" integer default nextval('"shop"."orders_id_seq"'::regclass) constraint "orders_id_not_null" not null,\n` +
        '  "parent_id" integer,\n' +
        '  "amount" numeric not null,\n' +
        '  constraint "orders_amount_check" CHECK ((amount >= (0)::numeric))\n)',
      'alter sequence "shop"."orders_id_seq" owned by "shop"."orders"."id"',
    ]);
  });

  it('build keys, then indexes, then foreign keys (NOT VALID, then validated), then the rest, and set the sequence last', () => {
    const { afterLoad, sequences } = rebuildPlan(definition);
    expect(afterLoad.map((step) => step.sql)).toEqual([
      'alter table "shop"."orders" add constraint "orders_pkey" PRIMARY KEY (id)',
      'create index "orders_amount_idx" on "shop"."orders" USING btree (amount)',
      'alter table "shop"."orders" add constraint "orders_parent_fkey" FOREIGN KEY (parent_id) REFERENCES "shop"."orders"(id) NOT VALID',
      'alter table "shop"."orders" validate constraint "orders_parent_fkey"',
      'alter table "shop"."orders" add constraint "orders_amount_cap" CHECK ((amount < (1000)::numeric)) NOT VALID',
      'CREATE TRIGGER orders_touch BEFORE INSERT ON "shop"."orders" FOR EACH ROW EXECUTE FUNCTION shop.touch()',
      'alter table "shop"."orders" disable trigger "orders_touch"',
    ]);
    expect(afterLoad[3]?.tolerate?.states).toEqual(['23503']);
    expect(sequences).toEqual([`select setval(pg_get_serial_sequence('"shop"."orders"', 'id'), 42, true)`]);
  });

  it('rename constraints, indexes and sequences when restoring under another name', () => {
    const { create, afterLoad } = rebuildPlan(definition, { schema: 'shop', table: 'orders_copy' });
    expect(create[0]).toContain('create sequence "shop"."orders_copy_id_seq"');
    expect(create[1]).toContain('constraint "orders_copy_id_not_null" not null');
    expect(afterLoad[0]?.sql).toBe('alter table "shop"."orders_copy" add constraint "orders_copy_pkey" PRIMARY KEY (id)');
    expect(afterLoad[2]?.sql).toContain('REFERENCES "shop"."orders_copy"(id) NOT VALID');
  });
});
