import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run lint:imports` (in `npm test`) checks the real tree with .dependency-cruiser.cjs. Here
// the same rules cruise a small tree that breaks each of them on purpose, so that a rule that
// matches nothing (a typo in a path, a renamed folder) fails this test instead of passing silently.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

const TREE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src', 'adapters'] }),
  'adapters/postgres/run-store.ts': "export const store = 'store';\n",
  // Violations.
  'src/engine/leaks-an-adapter.ts': "import { store } from '../../adapters/postgres/run-store.js';\nexport const leak = store;\n",
  'src/scoring/leaks-an-sdk.ts': "import pg from 'pg';\nexport const leak = pg;\n",
  'src/schedule/reaches-up.ts': "import { shown } from '../chat/read-commands.js';\nexport const up = shown;\n",
  'src/chat/read-commands.ts': "export const shown = 'shown';\n",
  'src/chat/uses-the-cli.ts': "import { printed } from '../cli/print.js';\nexport const used = printed;\n",
  'src/cli/print.ts': "export const printed = 'printed';\n",
  'src/trust/first.ts': "import { second } from './second.js';\nexport const first = (): string => second();\n",
  'src/trust/second.ts': "import { first } from './first.js';\nexport const second = (): string => first();\n",
  'src/config/config-schema.ts': "import { section } from '../chat/chat-schema.js';\nimport { shown } from '../chat/read-commands.js';\nexport const config = [section, shown];\n",
  'src/notify/notify-schema.ts': "import { config } from '../config/config-schema.js';\nexport const notify = config;\n",
  'adapters/slack/wired.ts': "import { wired } from '../../src/compose/wiring.js';\nexport const again = wired;\n",
  // Allowed: the composition root names adapters and SDKs; the config composes a front end's section.
  'src/compose/wiring.ts': "import pg from 'pg';\nimport { store } from '../../adapters/postgres/run-store.js';\nexport const wired = [pg, store];\n",
  'src/chat/chat-schema.ts': "export const section = 'chat';\n",
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-import-boundaries-'));
  for (const [file, text] of Object.entries(TREE)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  // The SDKs resolve as they do in the project.
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Cruise {
  code: number | null;
  violations: { rule: string; from: string; to: string }[];
}

/** Runs the `lint:imports` script of package.json, as `npm test` does, in `cwd`; reads its `error RULE: FROM → TO` lines. */
async function cruise(cwd: string): Promise<Cruise> {
  const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = scripts['lint:imports']!.split(/\s+/);
  expect(command).toBe('depcruise');
  const configAt = args.indexOf('--config') + 1;
  args[configAt] = join(ROOT, args[configAt]!);
  return new Promise((resolve) => {
    execFile(DEPCRUISE, args, { cwd }, (error, stdout) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      // A cycle is printed over several lines: the first names the rule and where the cycle starts.
      const violations = [...stdout.matchAll(/^\s*error (\S+): (\S+) → *\n?\s*(\S+)/gm)].map(([, rule, from, to]) => ({ rule: rule!, from: from!, to: to! }));
      resolve({ code, violations });
    });
  });
}

describe('the import-boundary check', () => {
  it('fails on every kind of violation, naming the rule and the import, and lets the composition root be', async () => {
    const { code, violations } = await cruise(dir);
    expect(code).not.toBe(0);
    const found = violations.map(({ rule, from }) => `${rule}: ${from}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'core-imports-no-adapter: src/engine/leaks-an-adapter.ts',
        'core-imports-no-platform-sdk: src/scoring/leaks-an-sdk.ts',
        'core-imports-no-front-end: src/schedule/reaches-up.ts',
        'only-the-cli-imports-the-cli: src/chat/uses-the-cli.ts',
        'config-composes-only-schemas: src/config/config-schema.ts',
        'sections-do-not-import-the-config: src/notify/notify-schema.ts',
        'adapters-import-no-composition-root: adapters/slack/wired.ts',
      ]),
    );
    expect(found.filter((line) => line.startsWith('no-circular: src/trust/')), 'the cycle').not.toEqual([]);
    expect(violations.filter(({ from }) => from.startsWith('src/compose/')), 'the composition root may name adapters and SDKs').toEqual([]);
    expect(violations.find(({ from, to }) => from === 'src/config/config-schema.ts' && to === 'src/chat/chat-schema.ts'), 'the config composes sections').toBeUndefined();
  });
});
