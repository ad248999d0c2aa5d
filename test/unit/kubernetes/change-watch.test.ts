import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchForChanges } from '../../../adapters/kubernetes/change-watch.js';
import { openKubeContext } from '../../../adapters/kubernetes/kube-context.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** An API server stand-in on loopback that answers every watch with `status`, counting requests. */
async function apiServerAnswering(status: number): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  server = createServer((_request, response) => {
    requests += 1;
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: status }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, requests: () => requests };
}

function kubeAt(url: string) {
  const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]
contexts: [{ name: staging, context: { cluster: c, user: u } }]
current-context: staging
users: [{ name: u, user: { token: t } }]
`;
  return openKubeContext({ kind: 'text', text: kubeconfig }, 'staging');
}

describe('watching for changes', () => {
  it('gives up on a watch the API server refuses, instead of asking again every second', async () => {
    const api = await apiServerAnswering(403);
    const stop = await watchForChanges(kubeAt(api.url), ['/api/v1/namespaces/shop/pods'], () => undefined);
    await sleep(2_500);
    await stop();
    expect(api.requests()).toBe(1);
  });

  it('opens a watch again after the server ends it for another reason', async () => {
    const api = await apiServerAnswering(500);
    const stop = await watchForChanges(kubeAt(api.url), ['/api/v1/namespaces/shop/pods'], () => undefined);
    await sleep(2_500);
    await stop();
    expect(api.requests()).toBeGreaterThanOrEqual(2);
  });
});
