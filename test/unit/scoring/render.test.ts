import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderScorecard, type ScorecardFormat } from '../../../src/scoring/render-scorecard.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { iso, journal, type JournalBuilder } from './journal-builder.js';

/** `UPDATE_GOLDEN=1 npx vitest run test/unit/scoring/render.test.ts` rewrites the expected files; read the diff. */
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/scorecards');
const EXTENSIONS: Record<ScorecardFormat, string> = { text: 'txt', markdown: 'md', json: 'json' };

const SAFETY = 'firedrill_safety.orders_3f2a9c41d7b0_5e1a';
const UNDO_ORDERS = {
  action: 'restore-table',
  description: `put public.orders back from ${SAFETY} if it is still missing, then remove the safety copy`,
  params: {},
};
const UNDONE_ORDERS = 'public.orders is present; nothing to restore; safety copy removed';
const ORDERS_MISSING = { source: 'alertmanager', name: 'OrdersTableMissing', detail: 'severity=page, namespace=shop' } as const;

function preflightOk(built: JournalBuilder, at: number): JournalBuilder {
  return built
    .add({ type: 'preflight-check', check: 'environment allowed', ok: true, detail: 'staging is a staging target' }, at)
    .add({ type: 'preflight-check', check: 'target table allowed', ok: true, detail: 'public.orders is in allowedTables' }, at + 40)
    .add({ type: 'preflight-check', check: 'target table exists', ok: true, detail: 'public.orders exists on staging' }, at + 80);
}

/**
 * drop-orders-table, restored automatically from S3: detected in 8.4s (a webhook, bracketed by its
 * transport allowance), back in 19.9s (the last red check began 200ms before the first green one,
 * which answered in 6ms), 8.2s of orders lost (read from the orders themselves: exact).
 */
function passing(): JournalBuilder {
  const built = journal().created({ ttdMs: 30_000, rtoMs: 120_000, rpoMs: 15_000 }, -6_000);
  return preflightOk(built, -5_900)
    .add({ type: 'preflight-check', check: 'steady state: orders readable', ok: true, detail: 'returned true' }, -5_700)
    .add({ type: 'undo-recorded', undo: UNDO_ORDERS }, -1_200)
    .add({ type: 'rpo-baseline', newestBefore: iso(-1_400) }, -1_000)
    .add({ type: 'injecting', actions: [`copy staging public.orders into ${SAFETY}`, 'DROP TABLE public.orders on staging'] }, -900)
    .injected(0)
    .add({ type: 'detected', by: ORDERS_MISSING, bracket: { beforeMs: 50, afterMs: 0 } }, 8_400)
    .add({ type: 'recovery-started', runbook: 'restore public.orders from the newest backup in s3://backups/staging/db/' }, 8_450)
    .add({ type: 'recovery-finished', ok: true, detail: 'restored 1200 rows from the backup taken at 2025-03-04T09:59:50.400Z' }, 19_800)
    .add({ type: 'alert-resolved', by: ORDERS_MISSING }, 21_000)
    .recovered(19_900, 2_000, true, { beforeMs: 200, afterMs: 6 })
    .add({ type: 'verify-check', check: 'orders restored', ok: true, detail: 'returned true' }, 22_100)
    .add({ type: 'rpo-measured', newestBefore: iso(-1_400), newestAfter: iso(-9_600), marker: 'newest "public"."orders"."created_at"', resolutionMs: 0 }, 22_200)
    .add({ type: 'verified', ok: true }, 22_300)
    .add({ type: 'rollback-started', reason: 'clean-up after the drill' }, 22_400)
    .add({ type: 'undo-done', description: UNDO_ORDERS.description, detail: UNDONE_ORDERS }, 22_700)
    .add({ type: 'rolled-back' }, 22_750)
    .add({ type: 'scored', outcome: 'pass' }, 22_800);
}

/**
 * lose-a-node from the weekly schedule: nobody noticed before service was back, 17m12s to recover.
 * Journaled before firedrill kept bounds: the scorecard shows the values alone.
 */
function failing(): JournalBuilder {
  const drill = { id: 'lose-a-node', title: 'A Kubernetes node is lost', kind: 'lose-node', severity: 'medium', recovery: 'manual' };
  const node = 'uncordon staging-worker-2';
  return journal()
    .created({ ttdMs: 300_000, rtoMs: 900_000 }, -3_000, drill, 'weekly schedule')
    .add({ type: 'preflight-check', check: 'environment allowed', ok: true, detail: 'staging is a staging target' }, -2_800)
    .add({ type: 'preflight-check', check: 'steady state: shop front answers', ok: true, detail: 'HTTP 200' }, -2_600)
    .add({ type: 'undo-recorded', undo: { action: 'uncordon-node', description: node, params: {} } }, -1_000)
    .add({ type: 'injecting', actions: ['cordon staging-worker-2', 'drain staging-worker-2 (Eviction API)'] }, -900)
    .injected(0)
    // Said in chat while the probes were already green: too late to count as detection.
    .add({ type: 'detected', by: { source: 'chat', name: 'carol' } }, 1_036_000)
    .recovered(1_032_000, 10_000)
    .add({ type: 'verified', ok: true }, 1_042_100)
    .add({ type: 'rollback-started', reason: 'clean-up after the drill' }, 1_042_200)
    .add({ type: 'undo-done', description: node, detail: 'node staging-worker-2 uncordoned' }, 1_042_900)
    .add({ type: 'rolled-back' }, 1_043_000)
    .add({ type: 'scored', outcome: 'fail' }, 1_043_100);
}

/** drop-orders-table refused: the table it would drop is already gone. */
function refused(): JournalBuilder {
  const missing = 'relation "public.orders" does not exist';
  const built = journal().created({ ttdMs: 30_000, rtoMs: 120_000, rpoMs: 15_000 }, -2_000, {}, 'bob');
  return built
    .add({ type: 'preflight-check', check: 'environment allowed', ok: true, detail: 'staging is a staging target' }, -1_900)
    .add({ type: 'preflight-check', check: 'target table allowed', ok: true, detail: 'public.orders is in allowedTables' }, -1_860)
    .add({ type: 'preflight-check', check: 'target table exists', ok: false, detail: 'public.orders does not exist on staging' }, -1_820)
    .add({ type: 'preflight-check', check: 'steady state: orders readable', ok: false, detail: missing }, -1_700)
    .add(
      {
        type: 'refused',
        reason: `target table exists: public.orders does not exist on staging; steady state: orders readable: ${missing}`,
      },
      -1_690,
    )
    .add({ type: 'scored', outcome: 'refused' }, -1_680);
}

const CASES = [
  { name: 'pass', runId: '0b6f3d2e-51c4-4a0e-9d7a-6c1f2e8a9b10', build: passing, outcome: 'pass' },
  { name: 'fail', runId: '7c2a9e41-0d3b-4f6e-8a15-2b9c7d4e6f21', build: failing, outcome: 'fail' },
  { name: 'refused', runId: 'e4d81b07-93a6-4c2f-b5e8-1a7f0c3d9e42', build: refused, outcome: 'refused' },
] as const;

async function expectGolden(file: string, actual: string): Promise<void> {
  if (UPDATE) {
    await writeFile(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`${file} is missing: run with UPDATE_GOLDEN=1 to create it, then read it`);
  expect(actual).toBe(await readFile(file, 'utf8'));
}

describe('scorecard renderings match the expected files', () => {
  for (const { name, runId, build, outcome } of CASES) {
    const scorecard = scoreRun(runId, build().events);

    it(`${name}: the journal scores as ${outcome}`, () => {
      expect(scorecard.outcome).toBe(outcome);
    });

    for (const format of Object.keys(EXTENSIONS) as ScorecardFormat[]) {
      it(`${name}: ${format}`, async () => {
        await expectGolden(path.join(GOLDEN_DIR, `${name}.golden.${EXTENSIONS[format]}`), renderScorecard(scorecard, format));
      });
    }
  }

  it('does not rewrite expected files unless asked to', () => {
    // A leftover UPDATE_GOLDEN=1 in CI would make every comparison above pass by definition.
    expect(UPDATE && process.env.CI).toBeFalsy();
  });
});
