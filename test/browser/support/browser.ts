import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..', '..');

/** Where the suite leaves its screenshots (gitignored): CI keeps them as artifacts. */
export const ARTIFACTS_DIR = process.env.FIREDRILL_BROWSER_ARTIFACTS ?? join(REPO, 'test-results', 'browser');

/**
 * Debian's chromium, unpacked into the cache by install-chromium.sh on first use (minutes), found
 * there at once afterwards. Returns the launcher's path.
 */
export function ensureChromium(): Promise<string> {
  return new Promise((resolvePath, reject) => {
    const child = spawn('bash', [join(HERE, 'install-chromium.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const path = stdout.trim().split('\n').pop();
      if (code === 0 && path) resolvePath(path);
      else reject(new Error(`install-chromium.sh exited ${String(code)}:\n${stderr}`));
    });
  });
}

/**
 * Chromium's sandbox isolates renderers from hostile web content. Running as root (CI here is
 * root) Chromium refuses to start with it, so there it is off; the suite only ever loads pages its
 * own server renders on loopback from runs the test inserted. As any other user the namespace
 * sandbox works from the unpacked tree (no setuid helper needed) wherever the kernel allows
 * unprivileged user namespaces; FIREDRILL_CHROMIUM_SANDBOX=off turns it off where it does not.
 */
function sandboxWanted(): boolean {
  if (process.env.FIREDRILL_CHROMIUM_SANDBOX === 'off') return false;
  return process.getuid?.() !== 0;
}

/** Headless Chromium, driven by playwright-core. The caller closes it. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium();
  return chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: sandboxWanted(),
    // No GPU here (software rendering does screenshots), and no network but loopback: nothing
    // to reach for QUIC, so no failed lookups on start.
    args: ['--disable-gpu', '--disable-quic'],
    timeout: 60_000,
  });
}

/** A full-page screenshot under ARTIFACTS_DIR; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}
