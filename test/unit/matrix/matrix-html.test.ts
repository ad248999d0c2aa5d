import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandText } from '../../../adapters/matrix/matrix-adapter.js';
import { renderMatrix } from '../../../adapters/matrix/matrix-html.js';
import { textMessage, type ChatMessage } from '../../../src/chat/message.js';
import { helpMessage } from '../../../src/chat/read-commands.js';
import { liveRunMessage, scorecardMessage } from '../../../src/chat/run-message.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { journal } from '../scoring/journal-builder.js';

/** `UPDATE_GOLDEN=1 npx vitest run test/unit/matrix` rewrites the expected files; read the diff. */
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/matrix');
const RUN = '3f2a9c41-d7b0-4e1a-9c2b-5e1a3f2a9c41';

const injected = () =>
  journal()
    .created({ ttdMs: 30_000, rtoMs: 120_000, rpoMs: null }, -3_000, {}, '@alice:example.org')
    .add({ type: 'injecting', actions: ['DROP TABLE public.orders on staging'] }, -900)
    .injected(0);

const passed = () =>
  injected()
    .add({ type: 'detected', by: { source: 'chat', name: '@bob:example.org' } }, 8_400)
    .recovered(19_900, 2_000)
    .add({ type: 'verified', ok: true }, 22_300);

const CASES: Record<string, () => ChatMessage> = {
  'live-injected': () => liveRunMessage(RUN, injected().events),
  scorecard: () => scorecardMessage(scoreRun(RUN, passed().events)),
  // With server.publicUrl (here with a path prefix): the run's page is one click away.
  'scorecard-linked': () => scorecardMessage(scoreRun(RUN, passed().events), 'https://tools.example.org/firedrill'),
  help: () => helpMessage(),
  escaping: () => textMessage('<script>alert("x")</script> & co', ['a < b', "it's"], 'warning'),
};

describe('the Matrix renderer', () => {
  for (const [name, build] of Object.entries(CASES)) {
    it(`renders ${name} as expected`, async () => {
      const rendered = `${JSON.stringify(renderMatrix(build()), null, 2)}\n`;
      const file = path.join(GOLDEN_DIR, `${name}.golden.json`);
      if (UPDATE) await writeFile(file, rendered);
      expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 and read it`).toBe(true);
      expect(rendered).toBe(await readFile(file, 'utf8'));
    });
  }

  it('never lets message text become HTML', () => {
    const { formatted_body: html } = renderMatrix(textMessage('<b>x</b>', ['<img src=x onerror=alert(1)>']));
    expect(html).not.toContain('<b>x');
    expect(html).not.toContain('<img');
  });
});

describe('commands in Matrix messages', () => {
  it('takes !drill and mentions of the bot, and nothing else', () => {
    expect(commandText('!drill run drop-orders-table staging', '@firedrill:example.org')).toBe('run drop-orders-table staging');
    expect(commandText('!drill', '@firedrill:example.org')).toBe('');
    expect(commandText('firedrill: status', '@firedrill:example.org')).toBe('status');
    expect(commandText('@firedrill:example.org abort 3f2a', '@firedrill:example.org')).toBe('abort 3f2a');
    expect(commandText('!drills run', '@firedrill:example.org')).toBeUndefined();
    expect(commandText('we should run a drill', '@firedrill:example.org')).toBeUndefined();
  });
});
