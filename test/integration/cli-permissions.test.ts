import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEvent, findEvents, type EventType } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { runCli, type CliResult } from '../support/cli.js';
import { waitFor } from '../support/embedded-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

/** Each command starts the CLI from source: seconds each on a busy machine. */
const TIMEOUT_MS = 180_000;

let postgres: TestPostgres;
let store: RunStore;
let dir: string;
let config: string;

/** A command drill whose fault is the file `<id>.outage`; `extra` adds keys to it. */
const drillYaml = (id: string, extra: string) => {
  const outage = join(dir, `${id}.outage`);
  return `id: ${id}
title: ${id}
kind: command
target:
  inject: touch '${outage}'
  undo: rm -f '${outage}'
severity: low
objectives: { rto: 10m }
steadyState:
  probes: [{ type: command, name: shop up, run: "test ! -f '${outage}'" }]
  interval: 100ms
  stableFor: 200ms
maxDuration: 2m
${extra}`;
};

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await mkdtemp(join(tmpdir(), 'firedrill-permissions-'));
  await mkdir(join(dir, 'drills'));
  // Needs a second person; recovers by itself once injected, so an approved run passes.
  await writeFile(
    join(dir, 'drills', 'gated.yaml'),
    drillYaml('gated', `requiresApproval: true\nrecovery: { mode: automated, trigger: immediately, runbook: { action: command, run: "rm -f '${join(dir, 'gated.outage')}'" } }\n`),
  );
  // Its detection must come from alerts, not from people.
  await writeFile(join(dir, 'drills', 'alerts-only.yaml'), drillYaml('alerts-only', `detection:\n  chat: false\n  alerts: [{ match: ['alertname=ShopDown'] }]\nrecovery: { mode: manual }\n`));
  config = join(dir, 'firedrill.yaml');
  await writeFile(
    config,
    `builtInDrills: false
catalogue: [drills/]
environments:
  # No permission lists: on the command line, whoever has the config and the store may act.
  staging: {}
  # Lists name chat users and command-line users (operating-system names) alike; channels bind chat only.
  guarded:
    chat:
      channels: [C0DRILLS]
      run: [alice, U0ALICE]
      approve: [carol]
store:
  url: { env: TEST_STORE_URL }
`,
  );
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The CLI as operating-system user `user` (FIREDRILL_USER, as a service account would set it). */
const cliAs = (user: string, args: string[]): Promise<CliResult> =>
  runCli([...args, '--config', config], { env: { TEST_STORE_URL: postgres.url('firedrill'), FIREDRILL_USER: user } });

/** The active run in `environment`, once its journal has an event of `type`. */
const runAt = (environment: string, type: EventType) =>
  waitFor(`a run in ${environment} at ${type}`, async () => {
    for (const run of await store.active(environment)) {
      if ((await store.events(run.id)).some((event) => event.type === type)) return run.id;
    }
    return undefined;
  }, 60_000);

describe('permissions on the command line: the same rules as chat', () => {
  it('grants nothing for --as: only a user named in chat.run may run, and only one named in chat.approve may approve', async () => {
    const refused = await cliAs('mallory', ['run', 'gated', '--env', 'guarded', '--as', 'alice']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('firedrill: mallory (as alice) may not run drills in guarded');
    expect(refused.stderr).toContain('ask one of: alice, U0ALICE; on the command line you are mallory (your operating-system user, or FIREDRILL_USER); --as only labels what you do');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(await store.list({ environment: 'guarded', limit: 5 })).toEqual([]);

    // alice is listed by her operating-system name; the chat channels do not bind the command line.
    const running = cliAs('alice', ['run', 'gated', '--env', 'guarded', '--as', 'the on-call', '--json']);
    const runId = await runAt('guarded', 'approval-requested');
    const self = await cliAs('alice', ['approve', runId.slice(0, 8), '--as', 'carol']);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('alice (as carol) may not approve runs in guarded');
    const unlisted = await cliAs('dave', ['approve', runId.slice(0, 8)]);
    expect(unlisted.code).toBe(2);
    expect(unlisted.stderr).toContain('dave may not approve runs in guarded\n  ask one of: carol;');
    const approved = await cliAs('carol', ['approve', runId.slice(0, 8)]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stderr).toContain(`approve recorded for run ${runId} by carol`);

    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ runId, outcome: 'pass', requestedBy: 'alice (as the on-call)' });
    const events = await store.events(runId);
    expect(findEvent(events, 'run-created')).toMatchObject({ requestedBy: 'alice (as the on-call)', requester: { realm: 'os', id: 'alice' } });
    expect(findEvents(events, 'approved')).toMatchObject([{ by: 'carol', identity: { realm: 'os', id: 'carol' } }]);
  }, TIMEOUT_MS);

  it('waits for another identity to approve where there are no lists: the requester under another --as is refused', async () => {
    const running = cliAs('alice', ['run', 'gated', '--env', 'staging', '--json']);
    const runId = await runAt('staging', 'approval-requested');

    const self = await cliAs('alice', ['approve', runId.slice(0, 8), '--as', 'bob']);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('firedrill: you requested this run: approval must come from a second person');
    expect(self.stderr).toContain('on the command line you are alice (your operating-system user, or FIREDRILL_USER); --as only labels what you do; approve from chat, or as another user');
    expect(findEvents(await store.events(runId), 'approved')).toEqual([]);

    const other = await cliAs('bob', ['approve', runId.slice(0, 8)]);
    expect(other.code, other.stderr).toBe(0);
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ runId, outcome: 'pass', requestedBy: 'alice' });
    expect(findEvents(await store.events(runId), 'approved')).toMatchObject([{ by: 'bob', identity: { realm: 'os', id: 'bob' } }]);
  }, TIMEOUT_MS);

  it('journals "detected" as ignored for a drill whose detection must come from alerts, as chat does', async () => {
    const running = cliAs('alice', ['run', 'alerts-only', '--env', 'staging', '--json']);
    const runId = await runAt('staging', 'injected');

    const detected = await cliAs('bob', ['detected', runId.slice(0, 8)]);
    expect(detected.code, detected.stderr).toBe(0);
    expect(detected.stderr).toContain(`detected noted for run ${runId} by bob, but not counted: this drill counts only alerts as detection`);

    // The requester may always abort, under any label.
    const aborted = await cliAs('alice', ['abort', runId.slice(0, 8), '--as', 'incident lead']);
    expect(aborted.code, aborted.stderr).toBe(0);
    const run = await running;
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ runId, outcome: 'aborted', detectedBy: null });
    const events = await store.events(runId);
    expect(findEvents(events, 'detected')).toEqual([]);
    expect(findEvents(events, 'signal-ignored')).toMatchObject([{ by: { source: 'cli', name: 'bob' }, identity: { realm: 'os', id: 'bob' } }]);
    expect(findEvent(events, 'abort-requested')).toMatchObject({ by: 'alice (as incident lead)', reason: 'asked on the command line', identity: { realm: 'os', id: 'alice' } });
  }, TIMEOUT_MS);
});
