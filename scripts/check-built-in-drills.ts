// Run by scripts/build.mjs (bundled first): writes the built-in drills as checked now, for the
// bundle to read instead of parsing them at every start (src/catalogue/checked-drills.ts).
//   node check-built-in-drills.mjs DRILLS_DIR OUT_FILE
import { writeFile } from 'node:fs/promises';
import { checkBuiltInDrills } from '../src/catalogue/check-built-in-drills.js';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) throw new Error('usage: check-built-in-drills DRILLS_DIR OUT_FILE');
await writeFile(out, `${JSON.stringify(await checkBuiltInDrills(dir))}\n`);
