import { describe, expect, it } from 'vitest';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import type { DrillCatalogue } from '../../../src/catalogue/effective.js';
import { ChatPermissions } from '../../../src/chat/chat-schema.js';
import type { Config } from '../../../src/config/config-schema.js';
import { planRun } from '../../../src/engine/plan.js';
import type { DrillRuntime, ProcessJournal, Probe, RuntimeFactory } from '../../../src/engine/ports.js';
import { planHeadline, planSteps } from '../../../src/engine/render-plan.js';

const drill = Drill.parse({
  id: 'flag-outage',
  title: 'Flag service outage',
  kind: 'command',
  target: { inject: 'flagctl off', undo: 'flagctl on' },
  severity: 'high',
  objectives: { ttd: '30s', rto: '5m' },
  detection: { chat: false, alerts: [{ source: 'alertmanager', match: ['alertname=FlagsDown'] }] },
  steadyState: { probes: [{ type: 'command', run: 'true' }], stableFor: '10s' },
  recovery: { mode: 'manual' },
  maxDuration: '20m',
  requiresApproval: true,
});

const probe = (name: string): Probe => ({ name, check: async () => ({ ok: true, detail: '' }) });

/** Describes the drill as a runtime would; records whether it was closed and whether anything tried to run. */
function runtimes() {
  const seen = { closed: 0, processesStarted: 0 };
  const factory = {
    runtimeFor: async (_drill: Drill, _name: string, _environment: unknown, runId: string, processes: ProcessJournal): Promise<DrillRuntime> => {
      expect(runId).toBe('planned-run');
      // A plan never starts a command: the journal it hands the runtime refuses.
      await expect(processes.started({ role: 'inject', command: 'flagctl off', pid: 1, startTicks: null })).rejects.toThrow('a plan runs no commands');
      return {
        fault: { plan: () => ['run `flagctl off`'], preflight: async () => [], undoAction: async () => ({ action: 'command', description: 'run `flagctl on`', params: {} }), inject: async () => undefined },
        steadyState: [probe('flags answer')],
        verify: [probe('flags table intact')],
        guards: [probe('production error budget')],
        close: async () => void seen.closed++,
      };
    },
  } as unknown as RuntimeFactory;
  return { factory, seen };
}

function catalogue(environment: Record<string, unknown>): DrillCatalogue {
  const config = { environments: { staging: { protected: false, allowProductionLookingNames: false, buckets: {}, ...environment } }, overrides: {} };
  return { configPath: 'firedrill.yaml', config: config as unknown as Config, drills: new Map([[drill.id, { drill, file: 'flag-outage.yaml' }]]) };
}

describe('the dry run', () => {
  it('is a structured plan of the whole run, built from the runtime, which it closes', async () => {
    const { factory, seen } = runtimes();
    const plan = await planRun({ catalogue: catalogue({ chat: ChatPermissions.parse({ approve: ['U2', 'carol'] }) }), runtimes: factory }, 'flag-outage', 'staging');
    expect(plan).toEqual({
      drill: { id: 'flag-outage', title: 'Flag service outage', kind: 'command', severity: 'high' },
      environment: 'staging',
      refusal: null,
      preflight: { steadyState: ['flags answer'], guards: ['production error budget'], approval: { required: true, approvers: ['U2', 'carol'] } },
      inject: ['run `flagctl off`'],
      rpoMarker: null,
      detection: { alerts: [{ source: 'alertmanager', match: ['alertname=FlagsDown'] }], people: false },
      recovery: { mode: 'manual', runbook: null, trigger: null },
      recoveredWhen: { probes: ['flags answer'], stableForMs: 10_000, checkEveryMs: 1_000 },
      verify: ['flags table intact'],
      undo: { maxDurationMs: 1_200_000 },
      objectives: { ttdMs: 30_000, rtoMs: 300_000, rpoMs: null },
    });
    expect(seen.closed).toBe(1);
    expect(planHeadline(plan)).toBe('plan: Flag service outage [flag-outage, command] in staging (dry run: nothing is changed)');
    expect(planSteps(plan)).toEqual(
      expect.arrayContaining([
        '   - steady state green: flags answer',
        '   - must stay green until the undo is done, or the run aborts: production error budget',
        '   - a second person approves (approve <run> in chat, or firedrill approve <run>): one of U2, carol',
        '   - run `flagctl off`',
        '3. wait for detection: alertmanager alert alertname=FlagsDown',
        'objectives: TTD 30s, RTO 5m',
      ]),
    );
  });

  it('says when the environment itself would refuse the run', async () => {
    const { factory, seen } = runtimes();
    const plan = await planRun({ catalogue: catalogue({ protected: true }), runtimes: factory }, 'flag-outage', 'staging');
    expect(plan.refusal).toBe('environment "staging" is protected: firedrill never injects faults into it');
    expect(planSteps(plan)[0]).toBe('  !! this run would be refused: environment "staging" is protected: firedrill never injects faults into it');
    expect(seen.closed).toBe(1);
  });

  it('names the drills it knows for an unknown one, and builds no runtime', async () => {
    const { factory, seen } = runtimes();
    await expect(planRun({ catalogue: catalogue({}), runtimes: factory }, 'flag-outgae', 'staging')).rejects.toThrow('unknown drill "flag-outgae"; did you mean "flag-outage"?');
    expect(seen.closed).toBe(0);
  });
});
