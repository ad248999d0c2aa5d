import { describe, expect, it } from 'vitest';
import { junitReport } from '../../../src/reports/junit.js';
import { escapeAttribute, renderXml } from '../../../src/reports/xml.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import type { Scorecard } from '../../../src/scoring/scorecard-schema.js';
import { parseXml, type ParsedXml } from '../../support/xml-parse.js';
import { journal } from '../scoring/journal-builder.js';

const RUN_ID = '3f2a9c41-0000-4000-8000-000000000001';

function scorecard(build: (j: ReturnType<typeof journal>) => void, objectives = { ttdMs: 60_000, rtoMs: 300_000, rpoMs: null }): Scorecard {
  const built = journal().created(objectives);
  build(built);
  return scoreRun(RUN_ID, built.events);
}

const cases = (suite: ParsedXml) => suite.children.filter((child) => child.tag === 'testcase');
const outcomeOf = (testcase: ParsedXml) => testcase.children[0]?.tag ?? 'passed';

describe('the JUnit result', () => {
  it('one suite for the drill, a case per objective and check; a missed objective fails with measured, bounds and objective', async () => {
    const card = scorecard((j) =>
      j
        .injected(0)
        .detected(90_000, 'OrdersTableMissing', { beforeMs: 1_000, afterMs: 0 })
        .recovered(240_000, 2_000, true, { beforeMs: 5_000, afterMs: 0 })
        .add({ type: 'verify-check', check: 'orders row count', ok: true, detail: '10 rows' }, 245_000)
        .add({ type: 'verify-check', check: 'orders checksum', ok: false, detail: 'checksum differs' }, 246_000)
        .add({ type: 'verified', ok: false }, 247_000),
    );
    const root = await parseXml(junitReport(card));
    expect(root.tag).toBe('testsuites');
    const [suite] = root.children;
    expect(suite!.attrib).toMatchObject({ name: 'drop-orders-table', tests: '6', failures: '2', errors: '0', skipped: '1' });
    const properties = Object.fromEntries(suite!.children[0]!.children.map((property) => [property.attrib.name, property.attrib.value]));
    expect(properties).toMatchObject({ 'run.id': RUN_ID, environment: 'staging', outcome: 'fail' });
    expect(cases(suite!).map((testcase) => [testcase.attrib.name, outcomeOf(testcase)])).toEqual([
      ['run', 'passed'],
      ['TTD (time to detect)', 'failure'],
      ['RTO (time to recover)', 'passed'],
      ['RPO (data lost)', 'skipped'],
      ['verify: orders row count', 'passed'],
      ['verify: orders checksum', 'failure'],
    ]);
    const ttd = cases(suite!)[1]!;
    expect(ttd.attrib.time).toBe('90.000');
    expect(ttd.children[0]!.attrib.message).toBe('TTD 1m30s (between 1m29s and 1m30s), objective 1m');
    expect(ttd.children[0]!.text).toContain('bounds: 89000-90000 ms');
  });

  it('an aborted or refused run errs, and its objectives are skipped', async () => {
    const refused = scorecard((j) => j.add({ type: 'refused', reason: 'steady state is red: shop down' }, -1_000));
    const [suite] = (await parseXml(junitReport(refused))).children;
    expect(suite!.attrib).toMatchObject({ tests: '4', errors: '1', failures: '0', skipped: '3' });
    expect(cases(suite!)[0]!.children[0]!.attrib).toMatchObject({ type: 'refused', message: 'refused: steady state is red: shop down' });
  });

  it('carries hostile names through any parser exactly, or with U+FFFD where XML cannot hold a character', async () => {
    const hostile = `a"b'c<d>e&f]]>g\n\th\r${'\u{1F525}'}`;
    const card = scorecard((j) =>
      j.injected(0).recovered(1_000).add({ type: 'verify-check', check: hostile, ok: false, detail: `bad\u0001\u0008\ud800\uffff <![CDATA[x]]> &amp;` }, 2_000).add({ type: 'verified', ok: false }, 3_000),
    );
    card.drill.id = `drill "&" <x>`;
    card.environment = `env'\u0000`;
    const xml = junitReport(card);
    const [suite] = (await parseXml(xml)).children;
    expect(suite!.attrib.name).toBe('drill "&" <x>');
    const check = cases(suite!).at(-1)!;
    expect(check.attrib.name).toBe(`verify: ${hostile}`);
    expect(check.attrib.classname).toBe(`drill "&" <x>.env'\ufffd`);
    expect(check.children[0]!.text).toBe('bad\ufffd\ufffd\ufffd\ufffd <![CDATA[x]]> &amp;');
  });

  it('escapes attribute values so that line breaks and tabs survive attribute normalisation', async () => {
    expect(escapeAttribute('a\nb\tc\rd')).toBe('a&#10;b&#9;c&#13;d');
    const parsed = await parseXml(renderXml({ name: 'x', attributes: { v: 'a\nb\tc', absent: undefined }, text: '' }));
    expect(parsed.attrib).toEqual({ v: 'a\nb\tc' });
  });
});
