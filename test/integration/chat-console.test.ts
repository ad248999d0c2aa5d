import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../support/cli.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';

let world: DrillWorld;
let dir: string;
let config: string;

beforeAll(async () => {
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-chat-'));
  config = join(dir, 'firedrill.yaml');
  await writeFile(
    config,
    `environments:
${world.environmentYaml('staging')}    chat:
      run: [alice]
      approve: [bob]
${world.environmentYaml('locked')}store:
  url: { env: TEST_STORE_URL }
`,
  );
});

afterAll(async () => {
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The chat console in a child process, with a way to wait for what it prints. */
function startChat(as: string, user = as): { child: ChildProcess; say(line: string): void; waitFor(pattern: RegExp): Promise<string>; output(): string } {
  // The terminal's chat user is the operating-system user (FIREDRILL_USER here), not the --as name.
  const child = spawnCli(['chat', '--config', config, '--as', as], { env: { ...world.env, TEST_STORE_URL: world.storeUrl, FIREDRILL_USER: user }, stdin: 'pipe' });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (text: string) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const found = waiter.pattern.exec(stdout);
      if (found) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found[0]);
      }
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    check();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.on('exit', () => {
    exited = true;
    check();
  });
  return {
    child,
    say: (line) => child.stdin!.write(`${line}\n`),
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const fail = () => reject(new Error(`no ${pattern}${exited ? ' (the chat exited)' : ''}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        const timer = setTimeout(fail, 45_000);
        waiters.push({ pattern, resolve: (text) => (clearTimeout(timer), resolve(text)) });
        check();
        if (exited && waiters.some((waiter) => waiter.pattern === pattern)) (clearTimeout(timer), fail());
      }),
    output: () => stdout,
  };
}

describe('firedrill chat (console adapter)', () => {
  it('runs a whole drop-table drill from typed commands, to the scorecard', async () => {
    await world.createOrders(10);
    await world.backupOrders();
    const chat = startChat('alice');
    chat.say('stauts');
    await chat.waitFor(/unknown command "stauts"; did you mean "status"\?\n {2}usage: help \| list/);
    // The core's dry run, as `firedrill plan` prints it: no CLI output parsed, nothing changed.
    chat.say('plan drop-orders-table staging');
    await chat.waitFor(/Plan of drop-orders-table in staging \(dry run: nothing is changed\)[\s\S]*DROP TABLE "public"\."orders"[\s\S]*restore public\.orders from the newest backup/);
    expect(await world.orderCount()).toBe(10);
    chat.say('run drop-orders-table locked');
    await chat.waitFor(/nobody may run drills in locked from chat/);
    chat.say('run drop-orders-table staging');
    await chat.waitFor(/fault in effect since/);
    chat.say('status');
    await chat.waitFor(/1 drill\(s\) running/);
    chat.say('detected');
    await chat.waitFor(/Detected: recorded for drop-orders-table in staging/);
    await chat.waitFor(/Scorecard PASS: drop-orders-table in staging/);
    chat.say('history staging 5');
    await chat.waitFor(/Last 1 run\(s\) for staging\n.*pass/);
    const exited = once(chat.child, 'exit');
    chat.child.stdin!.end();
    const [code] = await exited;
    expect(code).toBe(0);

    const output = chat.output();
    expect(output).toMatch(/TTD \(time to detect\): .+ \(objective 30s\) met/);
    expect(output).toContain('detected by chat: alice');
    expect(output).not.toMatch(/\n\s+at /);
    expect(await world.orderCount()).toBe(10);
    const [run] = await world.store.list({ environment: 'staging', limit: 1 });
    expect(run).toMatchObject({ drill: 'drop-orders-table', outcome: 'pass' });
  });

  it('is the operating-system user whatever --as says: the name only labels', async () => {
    const chat = startChat('alice', 'mallory');
    chat.say('run drop-orders-table staging');
    await chat.waitFor(/mallory \(as alice\) may not run drills in staging\n {2}ask one of: alice/);
    const exited = once(chat.child, 'exit');
    chat.child.stdin!.end();
    expect((await exited)[0]).toBe(0);
    expect(await world.store.active('staging')).toEqual([]);
  });
});
