#!/usr/bin/env node
// Copies firedrill's config schema (`firedrill schema config`) into the chart's
// values.schema.json, so that helm rejects a bad `config` before anything is installed.
// Run after changing src/config/config-schema.ts (and `npm run build`); the Kubernetes
// e2e suite fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchema } from '../../dist/src/config/json-schema.js';

const file = new URL('firedrill/values.schema.json', import.meta.url);
const values = JSON.parse(readFileSync(file, 'utf8'));
const { $schema: _draft, ...config } = configJsonSchema();
values.definitions.firedrillConfig = { description: 'firedrill.yaml (firedrill schema config)', ...config };
writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`);
