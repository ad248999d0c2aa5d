import type { Circle } from '../trust/circle.js';
import type { Finding } from '../trust/findings.js';
import type { SealResult } from '../trust/seal.js';
import type { VerifyReport } from '../trust/verify.js';

export function renderSeal(result: SealResult, circle: Circle): string {
  const lines = [
    `sealed ${result.files.length} file(s) to ${circle.holders.map((holder) => holder.name).join(', ')} (manifest #${result.sequence}, signed by ${result.signer})`,
    ...result.files.map((file) => `  ${file.name}  version ${file.version}  ${file.size} bytes  -> ${file.object}`),
    `in ${circle.buckets.map((bucket) => `${bucket.name} (${bucket.store.location})`).join(', ')}`,
    ...result.warnings.map((warning) => `warning: ${warning}`),
    `any holder decrypts with: gpg --decrypt ${result.files[0]?.object ?? 'FILE.asc'}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function renderVerify(report: VerifyReport, circle: Circle, configPath: string): string {
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const warnings = report.findings.filter((finding) => finding.severity === 'warning');
  const lines = [
    `circle of trust in ${configPath}: ${report.holders.length} key-holder(s), threshold ${circle.threshold}`,
    ...table(report.holders.map((holder) => [holder.name, holder.fingerprint, holder.algorithm, holder.expires ? `expires ${holder.expires.slice(0, 10)}` : 'never expires'])),
    'buckets:',
    ...table(report.buckets.map((bucket) => [bucket.name, bucket.location, bucket.sequence === null ? '-' : `manifest #${bucket.sequence}`, bucket.state])),
    report.manifest
      ? `sealed (manifest #${report.manifest.sequence}, ${report.manifest.sealedAt}, signed by ${report.manifest.signer}): ${report.manifest.files.map((file) => `${file.name} v${file.version}`).join(', ') || 'no files'}`
      : 'sealed: nothing',
    ...(report.findings.length ? ['', `problems (${errors.length} error(s), ${warnings.length} warning(s)):`] : []),
    ...[...errors, ...warnings].flatMap(renderFinding),
    '',
    report.ok ? `OK${warnings.length ? ` (with ${warnings.length} warning(s))` : ''}` : `FAILED: ${errors.length} problem(s) to fix`,
  ];
  return `${lines.join('\n')}\n`;
}

function renderFinding(finding: Finding): string[] {
  const head = `  ${finding.severity === 'error' ? 'ERROR' : 'warning'}  ${finding.subject}: ${finding.message}`;
  return finding.fix ? [head, `         fix: ${finding.fix}`] : [head];
}

function table(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>((max, row) => row.map((cell, index) => Math.max(max[index] ?? 0, cell.length)), []);
  return rows.map((row) => `  ${row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ')}`);
}
