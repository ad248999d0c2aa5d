import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/compose/index.js';
import { reportSigner } from '../../src/compose/report-signing.js';
import type { DrillReport } from '../../src/reports/drill-report.js';
import { startHttpServer } from '../../src/server/http-server.js';
import { createLogger } from '../../src/log.js';
import { systemClock } from '../../src/engine/clock.js';
import { runCli } from '../support/cli.js';
import { CLI_TEST_TIMEOUT_MS, embeddedStoreCli, type EmbeddedStoreCli } from '../support/embedded-store-cli.js';
import { startGpgHome, type GpgHome } from '../support/gpg.js';
import { parseXml } from '../support/xml-parse.js';

let world: EmbeddedStoreCli;
let gpg: GpgHome;
let runId: string;
let runCode: number | null;

/** A run of the command drill from start to scorecard: injected, then the outage file removed by hand. */
beforeAll(async () => {
  [world, gpg] = await Promise.all([embeddedStoreCli({ maxDuration: '2m' }), startGpgHome()]);
  const run = world.start(['run', 'flag-outage', '--env', 'staging', '--json', '--as', 'alice', '--junit', join(world.dir, 'result.xml')]);
  runId = await world.store.injectedRun();
  await rm(join(world.dir, 'outage'));
  runCode = await world.finished(run);
}, CLI_TEST_TIMEOUT_MS);

afterAll(async () => {
  await gpg?.stop();
  await world?.cleanUp();
});

describe('follow-ups and drill reports from the command line', () => {
  it('run --junit writes a JUnit result a CI server reads', async () => {
    expect(runCode).toBe(0);
    const [suite] = (await parseXml(await readFile(join(world.dir, 'result.xml'), 'utf8'))).children;
    expect(suite!.attrib).toMatchObject({ name: 'flag-outage', failures: '0', errors: '0' });
    const properties = Object.fromEntries(suite!.children[0]!.children.map((property) => [property.attrib.name, property.attrib.value]));
    expect(properties).toMatchObject({ 'run.id': runId, environment: 'staging', outcome: 'pass' });
    expect(suite!.children.filter((child) => child.tag === 'testcase').map((testcase) => testcase.attrib.name)).toEqual(['run', 'TTD (time to detect)', 'RTO (time to recover)', 'RPO (data lost)']);
  });

  it('learned, action and done journal follow-ups; report writes Markdown, JSON and a signature that gpg --verify accepts', async () => {
    const { cli } = world;
    const short = runId.slice(0, 8);
    const learned = await cli(['learned', short, 'the', 'flag', 'service', 'has', 'no', 'alert'], { FIREDRILL_USER: 'bob' });
    expect(learned.code, learned.stderr).toBe(0);
    const action = await cli(['action', short, 'alert', 'on', 'flag', 'errors', '--owner', '@bob', '--due', '2099-01-31']);
    expect(action.code, action.stderr).toBe(0);
    const id = action.stdout.trim();
    expect(id).toMatch(/^[2-9a-z]{5}$/);
    const badDue = await cli(['action', short, 'x', '--due', '2099-02-30']);
    expect(badDue).toMatchObject({ code: 2, stderr: expect.stringContaining('due date 2099-02-30 is not a day of the calendar') });
    const open = await cli(['actions', '--json']);
    expect(JSON.parse(open.stdout)).toEqual([expect.objectContaining({ id, runId, text: 'alert on flag errors', owner: '@bob', due: '2099-01-31', doneAt: null })]);
    const done = await cli(['done', id], { FIREDRILL_USER: 'carol' });
    expect(done.stderr).toBe(`action ${id} done\n`);
    const listed = await cli(['actions', '--all']);
    expect(listed.stdout).toMatch(new RegExp(`^${id}  done \\d{4}-\\d{2}-\\d{2}\\s+due 2099-01-31  @bob\\s+run ${short}  alert on flag errors\n$`));

    const out = join(world.dir, 'reports');
    const report = await cli(['report', short, '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    const [markdownFile, jsonFile, signatureFile] = report.stdout.trim().split('\n');
    expect([markdownFile, jsonFile, signatureFile]).toEqual(['md', 'json', 'json.asc'].map((ext) => join(out, `${runId}.${ext}`)));
    const json = JSON.parse(await readFile(jsonFile!, 'utf8')) as DrillReport;
    expect(json.run).toMatchObject({ id: runId, outcome: 'pass', state: 'finished' });
    expect(json.learnings).toEqual([expect.objectContaining({ text: 'the flag service has no alert', by: 'bob' })]);
    expect(json.actions).toEqual([expect.objectContaining({ id, owner: '@bob', due: '2099-01-31', doneBy: 'carol', state: 'done' })]);
    expect(json.participants.followUpsBy.map((person) => person.identity)).toEqual(['os:bob', expect.stringMatching(/^os:/), 'os:carol']);
    const markdown = await readFile(markdownFile!, 'utf8');
    expect(markdown).toContain('# Drill report: A bad feature flag takes the shop down');
    expect(markdown).toContain(`| \`${id}\` | alert on flag errors | @bob | 2099-01-31 | done `);

    const key = await cli(['signing-key']);
    expect(key.code, key.stderr).toBe(0);
    expect(key.stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(key.stdout).not.toContain('PRIVATE');
    const fingerprint = /fingerprint ([0-9a-f]{40})/.exec(key.stderr)?.[1];
    expect(report.stderr).toContain(`signed by ${fingerprint}`);
    expect((await gpg.run(['--import'], key.stdout)).code).toBe(0);
    const verified = await gpg.run(['--status-fd', '2', '--verify', signatureFile!, jsonFile!]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toMatch(new RegExp(`VALIDSIG ${fingerprint!.toUpperCase()}`));

    // One byte changed, and the signature no longer holds.
    await writeFile(jsonFile!, (await readFile(jsonFile!, 'utf8')).replace('"pass"', '"fail"'));
    const tampered = await gpg.run(['--status-fd', '2', '--verify', signatureFile!, jsonFile!]);
    expect(tampered.code).not.toBe(0);
    expect(tampered.stderr).toContain('BADSIG');

    // serve answers /signing-key.asc with the same key.
    const opened = await openStore(undefined, { configDir: world.dir, env: world.env });
    const signer = await reportSigner({ reports: {} }, world.dir, world.env);
    const http = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      alertToken: undefined,
      log: createLogger('silent'),
      intake: { store: opened.store, clock: systemClock(), drillFor: () => undefined },
      signingKey: async () => signer.publicKey,
    });
    try {
      const served = await fetch(`${http.url}/signing-key.asc`);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('application/pgp-keys');
      expect((await served.text()).trim()).toBe(key.stdout.trim());
    } finally {
      await http.close();
      await opened.close();
    }
  }, CLI_TEST_TIMEOUT_MS);

  it('signs with a configured key (reports.signingKey), so every replica signs alike; refuses one with a passphrase', async () => {
    const fingerprint = await gpg.generate({ name: 'firedrill-reports', algorithm: 'ed25519' });
    await writeFile(join(world.dir, 'signing.asc'), await gpg.exportSecret(fingerprint));
    const config = join(world.dir, 'configured.yaml');
    await writeFile(config, `${await readFile(join(world.dir, 'firedrill.yaml'), 'utf8')}reports:\n  signingKey: { file: signing.asc }\n`);
    const out = join(world.dir, 'configured');
    const report = await runCli(['report', runId.slice(0, 8), '--out', out, '--config', config], { env: world.env });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toContain(`signed by ${fingerprint}`);
    expect(report.stderr + report.stdout).not.toContain('PRIVATE KEY');
    const verified = await gpg.run(['--status-fd', '2', '--verify', join(out, `${runId}.json.asc`), join(out, `${runId}.json`)]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toContain(`VALIDSIG ${fingerprint.toUpperCase()}`);

    const locked = await gpg.generate({ name: 'locked', algorithm: 'ed25519', passphrase: 'correct horse' });
    await writeFile(join(world.dir, 'signing.asc'), await gpg.exportSecret(locked));
    const refused = await runCli(['signing-key', '--config', config], { env: world.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('reports.signingKey is protected by a passphrase');
  }, CLI_TEST_TIMEOUT_MS);
});
