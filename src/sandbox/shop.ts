import pg from 'pg';
import { startEmbeddedServer, type EmbeddedServer } from '../../adapters/postgres/embedded-server.js';

export interface Shop {
  url: string;
  /** The database server, for a delayed standby to copy. */
  server: EmbeddedServer;
  pool: pg.Pool;
  /** Orders the writer managed to insert; attempts while the table was missing fail. */
  stats(): { written: number; failed: number };
  stop(): Promise<void>;
}

const SCHEMA = `
  create table public.orders (
    id bigint generated always as identity primary key,
    customer text not null,
    amount_cents integer not null check (amount_cents > 0),
    created_at timestamptz not null default clock_timestamp()
  );
  create index orders_created_at on public.orders (created_at);
  insert into public.orders (customer, amount_cents, created_at)
    select 'customer-' || n, 100 + n % 900, clock_timestamp() - make_interval(secs => 2000 - n)
    from generate_series(1, 2000) as n;
`;

/** A small shop: a real PostgreSQL whose `orders` table keeps receiving orders. */
export async function startShop(dataDir: string, orderEveryMs: number): Promise<Shop> {
  // Thrown away with the sandbox: fsync off keeps the demo quick.
  const server: EmbeddedServer = await startEmbeddedServer({ dataDir, durable: false });
  await server.createDatabase('shop');
  const url = server.url('shop');
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  await pool.query(SCHEMA);

  let written = 0;
  let failed = 0;
  let customer = 2000;
  const writer = setInterval(() => {
    customer++;
    pool
      .query('insert into public.orders (customer, amount_cents) values ($1, $2)', [`customer-${customer}`, 100 + (customer % 900)])
      .then(() => written++, () => failed++);
  }, orderEveryMs);

  return {
    url,
    server,
    pool,
    stats: () => ({ written, failed }),
    async stop() {
      clearInterval(writer);
      await pool.end();
      await server.stop();
    },
  };
}
