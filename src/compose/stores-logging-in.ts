import type { ConnectingStores, RunStoreOptions } from '../../adapters/postgres/run-store.js';

type RunStoreModule = typeof import('../../adapters/postgres/run-store.js');

/**
 * The embedded store's stores, whose pool starts logging in as soon as a server is up: until
 * this process holds its lease that server may go, or be given up for another, and a pool on
 * a server that is not the one joined is ended.
 */
export function storesLoggingIn(load: () => Promise<RunStoreModule>, options: RunStoreOptions) {
  let early: { url: string; connecting: Promise<ConnectingStores> } | undefined;
  const abandon = (connecting: Promise<ConnectingStores>) => void connecting.then((stores) => stores.abandon(), () => undefined);
  return {
    loggingIn(url: string): void {
      if (early?.url === url) return;
      if (early) abandon(early.connecting);
      early = { url, connecting: load().then((module) => module.connectPostgresStores(url, options)) };
      early.connecting.catch(() => undefined);
    },
    async open(url: string) {
      const ahead = early;
      early = undefined;
      if (ahead && ahead.url !== url) abandon(ahead.connecting);
      const connecting = ahead?.url === url ? await ahead.connecting : (await load()).connectPostgresStores(url, options);
      return connecting.open();
    },
    abandon(): void {
      if (early) abandon(early.connecting);
      early = undefined;
    },
  };
}
