import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFiles } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'firedrill-pages-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problems(name: string, server: string[]): Promise<string[]> {
  const file = path.join(dir, name);
  await writeFile(file, ['environments: {}', 'server:', ...server.map((line) => `  ${line}`), ''].join('\n'));
  return (await validateFiles([file])).map((problem) => formatProblem(problem).slice(file.length + 1));
}

describe('server.pages and server.publicUrl in the config', () => {
  it('takes a token, or a trusted header with its proxies, and a public URL', async () => {
    expect(await problems('token.yaml', ['host: 0.0.0.0', 'publicUrl: https://firedrill.example.com', 'pages: {auth: {token: {env: PAGES_TOKEN}, sessionFor: 8h}}'])).toEqual([]);
    expect(await problems('proxy.yaml', ['host: 0.0.0.0', 'pages: {auth: {trustedHeader: X-Forwarded-Email, trustedProxies: [10.0.0.0/8, "fd00::/8", 192.0.2.7]}}'])).toEqual([]);
  });

  it('refuses a token written into the file, and says how to give it', async () => {
    const found = await problems('inline.yaml', ['pages: {auth: {token: hunter2-hunter2}}']);
    expect(found.join('\n')).toContain('secrets are not written in the config file: use {env: VARIABLE_NAME} or {file: path/to/secret}');
    expect(found.join('\n')).not.toContain('hunter2');
  });

  it('refuses a proxy range that is not an address or CIDR, and a proxy mode without proxies', async () => {
    expect((await problems('bad-cidr.yaml', ['pages: {auth: {trustedProxies: [10.0.0.0/33]}}'])).join('\n')).toContain('an IP address or CIDR range');
    expect((await problems('no-proxies.yaml', ['pages: {auth: {trustedHeader: X-Forwarded-User, trustedProxies: []}}'])).join('\n')).toContain(
      'name the addresses of the authenticating proxy',
    );
  });

  it('refuses a public URL that is not http(s)', async () => {
    expect((await problems('ftp.yaml', ['publicUrl: ftp://firedrill.example.com'])).join('\n')).toContain('an http(s) URL');
  });

  it('warns when the server listens beyond loopback and the pages have no access control', async () => {
    expect(await problems('open.yaml', ['host: 0.0.0.0'])).toEqual([
      '3:9: warning: server.host: firedrill listens on 0.0.0.0 but server.pages.auth is not set, so the pages (/, /runs, /score) answer 403 to everyone; ' +
        'set server.pages.auth to {token: {env: FIREDRILL_PAGES_TOKEN}} or {trustedHeader: X-Forwarded-User, trustedProxies: [<proxy CIDR>]}',
    ]);
    expect(await problems('loopback.yaml', ['host: "::1"'])).toEqual([]);
    expect(await problems('localhost.yaml', ['host: localhost'])).toEqual([]);
  });

  it('warns when the token would travel over plain http', async () => {
    const found = await problems('http.yaml', ['host: 0.0.0.0', 'publicUrl: http://firedrill.example.com', 'pages: {auth: {token: {env: PAGES_TOKEN}}}']);
    expect(found).toEqual([expect.stringContaining('warning: server.publicUrl: the pages token and session cookies would travel unencrypted')]);
    expect(await problems('http-local.yaml', ['publicUrl: http://127.0.0.1:8080', 'pages: {auth: {token: {env: PAGES_TOKEN}}}'])).toEqual([]);
  });
});
