import { describe, expect, it } from 'vitest';
import { validateDrillSource } from '../../../src/catalogue/drill-validation.js';
import { validateFiles } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';
import { parseYaml } from '../../../src/catalogue/yaml-source.js';
import { validateCommand } from '../../../src/cli/validate-command.js';
import { systemClock } from '../../../src/engine/clock.js';
import { createLogger } from '../../../src/log.js';
import { fixture } from './fixtures.js';

const DROP_ORDERS = `id: drop-orders
title: orders dropped
kind: drop-table
target:
  table: orders
severity: high
objectives:
  rpo: 15s
steadyState:
  probes:
    - type: sql
      query: select true
recovery:
  mode: manual
maxDuration: 10m
`;

function warningsFor(rpo: string): string[] {
  const parsed = parseYaml(`${DROP_ORDERS}${rpo}`, 'drill.yaml');
  if (!parsed.ok) throw new Error('test YAML does not parse');
  const result = validateDrillSource(parsed.source);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.loaded.warnings.map(formatProblem);
}

describe('validate warns when an RPO marker cannot see the loss the drill causes', () => {
  it('warns, without failing validation, for a canary beside a dropped table', async () => {
    const file = fixture('blind-rpo-canary.yaml');
    const out: string[] = [];
    const err: string[] = [];
    const context = { env: {}, log: createLogger('silent'), clock: systemClock(), out: (text: string) => void out.push(text), err: (text: string) => void err.push(text) };
    expect(await validateCommand(context, [file])).toBe(0);
    expect(out).toEqual([
      `${file}:18:11: warning: rpo: the canary table public.firedrill_canary is not the dropped table public.orders: dropping public.orders and restoring it leave the canary untouched, so RPO would read 0 whatever was lost; read the dropped table itself, e.g. rpo: {marker: column, table: public.orders, column: created_at}, or a query on public.orders\n`,
    ]);
    expect(err).toEqual([`${file}: no problems, 1 warning(s)\n`]);
    expect(await validateFiles([file])).toHaveLength(1);
  });

  it('warns for a column of another table, and not for a column of the dropped one', () => {
    expect(warningsFor('rpo:\n  marker: column\n  table: public.payments\n  column: created_at\n')).toEqual([
      expect.stringMatching(/^drill\.yaml:18:10: warning: rpo\.table: public\.payments is not the dropped table public\.orders/),
    ]);
    expect(warningsFor('rpo:\n  marker: column\n  table: public.orders\n  column: created_at\n')).toEqual([]);
  });

  it('warns for a query that does not read the dropped table', () => {
    expect(warningsFor('rpo:\n  marker: query\n  query: select max(created_at) from payments\n')).toEqual([
      expect.stringMatching(/warning: rpo\.query does not read the dropped table public\.orders/),
    ]);
    expect(warningsFor('rpo:\n  marker: query\n  query: select max(created_at) from "orders" where created_at <= $1\n')).toEqual([]);
    expect(warningsFor('rpo:\n  marker: query\n  query: select max(created_at) from public.orders_archive\n')).toHaveLength(1);
  });

  it('has nothing to say about the built-in drills', async () => {
    expect(await validateFiles(['drills.example.yaml'])).toEqual([]);
  });
});
