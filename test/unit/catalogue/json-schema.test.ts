import { describe, expect, it } from 'vitest';
import { configJsonSchema, drillJsonSchema } from '../../../src/config/json-schema.js';

describe('JSON schemas', () => {
  it('describe a drill as written: every kind, its properties, durations as strings', () => {
    const schema = drillJsonSchema() as { oneOf: { properties: Record<string, { type?: string; const?: string }>; required: string[] }[] };
    expect(schema.oneOf.map((option) => option.properties.kind?.const)).toEqual([
      'drop-table',
      'lose-node',
      'delete-cluster',
      'key-holder-unavailable',
      'command',
    ]);
    const dropTable = schema.oneOf[0];
    expect(Object.keys(dropTable?.properties ?? {})).toEqual(
      expect.arrayContaining(['id', 'title', 'kind', 'target', 'severity', 'objectives', 'steadyState', 'recovery', 'maxDuration']),
    );
    expect(dropTable?.properties.maxDuration?.type).toBe('string');
    expect(dropTable?.required).not.toContain('weight');
  });

  it('describe a config: environments and secrets as {env} or {file}', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; required?: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['catalogue', 'builtInDrills', 'environments', 'overrides', 'store', 'server']),
    );
    // Every key is optional: a file holding only `trust:` is a config for the trust commands.
    expect(schema.required).toBeUndefined();
    expect(JSON.stringify(schema.properties.server)).toContain('"required":["env"]');
  });
});
