import * as z from 'zod';
import { Config } from './config-schema.js';
import { Drill } from '../catalogue/drill-schema.js';

/**
 * JSON Schemas for editors (yaml-language-server) and other tools. `io: 'input'`
 * describes what people write: durations are strings such as `15m`, defaults optional.
 */
export function drillJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Drill, { io: 'input' }) as Record<string, unknown>;
}

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Config, { io: 'input' }) as Record<string, unknown>;
}
