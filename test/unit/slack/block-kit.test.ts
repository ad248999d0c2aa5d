import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderBlockKit } from '../../../adapters/slack/block-kit.js';
import { textMessage, type ChatMessage } from '../../../src/chat/message.js';
import { liveRunMessage, scorecardMessage } from '../../../src/chat/run-message.js';
import { helpMessage } from '../../../src/chat/read-commands.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { journal } from '../scoring/journal-builder.js';

/** `UPDATE_GOLDEN=1 npx vitest run test/unit/slack` rewrites the expected files; read the diff. */
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/slack');
const RUN = '3f2a9c41-d7b0-4e1a-9c2b-5e1a3f2a9c41';

function injectedRun(objectives: { ttdMs: number | null; rtoMs: number | null; rpoMs: number | null } = { ttdMs: 30_000, rtoMs: 120_000, rpoMs: 15_000 }) {
  return journal()
    .created(objectives, -3_000, {}, '<@U0ALICE>')
    .add({ type: 'preflight-check', check: 'environment allowed', ok: true, detail: 'staging is a staging target' }, -2_900)
    .add({ type: 'undo-recorded', undo: { action: 'restore-table', description: 'put public.orders back from the safety copy', params: {} } }, -1_000)
    .add({ type: 'injecting', actions: ['DROP TABLE public.orders on staging'] }, -900)
    .injected(0);
}

function passedRun() {
  return injectedRun({ ttdMs: 30_000, rtoMs: 120_000, rpoMs: null })
    .add({ type: 'detected', by: { source: 'chat', name: '<@U0BOB>' } }, 8_400)
    .recovered(19_900, 2_000)
    .add({ type: 'verified', ok: true }, 22_300)
    .add({ type: 'rolled-back' }, 22_750);
}

const CASES: Record<string, () => ChatMessage> = {
  'live-injected': () => liveRunMessage(RUN, injectedRun().events),
  'live-approval': () =>
    liveRunMessage(RUN, journal().created({ rtoMs: 60_000 }, -1_000, {}, '<@U0ALICE>').add({ type: 'approval-requested' }, -900).events),
  scorecard: () => scorecardMessage(scoreRun(RUN, passedRun().events)),
  // With server.publicUrl: the run's page is one click away.
  'scorecard-linked': () => scorecardMessage(scoreRun(RUN, passedRun().events), 'https://firedrill.example.com'),
  help: () => helpMessage(),
  refusal: () => textMessage('<@U0EVE> may not run drills in staging', ['ask one of: U0ALICE, S0SRE & <friends>'], 'warning'),
};

describe('the Slack Block Kit renderer', () => {
  for (const [name, build] of Object.entries(CASES)) {
    it(`renders ${name} as expected`, async () => {
      const rendered = `${JSON.stringify(renderBlockKit(build()), null, 2)}\n`;
      const file = path.join(GOLDEN_DIR, `${name}.golden.json`);
      if (UPDATE || !existsSync(file)) await writeFile(file, rendered);
      expect(rendered).toBe(await readFile(file, 'utf8'));
    });
  }

  it('keeps the newest lines of a long timeline within Slack limits', () => {
    const lines = Array.from({ length: 400 }, (_, index) => `line ${index} ${'x'.repeat(20)}`);
    const { blocks } = renderBlockKit(textMessage('long', lines));
    const section = blocks.at(-1) as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text).toContain('line 399');
    expect(section.text.text).toMatch(/^_\(\d+ earlier lines\)_\n/);
  });
});
