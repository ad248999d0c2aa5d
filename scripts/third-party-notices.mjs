// The licence notices of the libraries a bundle holds, from esbuild's metafile: their code is
// copied into dist/, so their notices go with it (MIT, ISC, BSD and Apache-2.0 all ask for that).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE_DIR = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//;
const LICENCE_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt))?$/i;

/** One text with, for each bundled package, its name, version, licence and licence files. */
export function thirdPartyNotices(root, metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    // A plugin's namespace ("zod-locales:…") stands for a file of a package that is there anyway.
    if (/^[\w-]+:/.test(input)) continue;
    const dir = PACKAGE_DIR.exec(input)?.[1];
    if (dir) dirs.add(dir);
  }
  const sections = [...dirs]
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      const files = readdirSync(join(root, dir)).filter((name) => LICENCE_FILE.test(name)).sort();
      const texts = files.map((name) => readFileSync(join(root, dir, name), 'utf8').trim());
      const licence = typeof manifest.license === 'string' ? manifest.license : 'see its package';
      return { name: manifest.name, text: [`${manifest.name} ${manifest.version} (${licence})`, ...texts].join('\n\n') };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const unique = sections.filter((section, index) => index === 0 || section.text !== sections[index - 1].text);
  return `firedrill's bundle (dist/) holds code from these packages, under their own licences.\n\n${unique.map((section) => section.text).join(`\n\n${'-'.repeat(72)}\n\n`)}\n`;
}
