/**
 * One `firedrill backup` or `firedrill restore`, as the CLI runs it (backupEnvironmentTable /
 * restoreEnvironmentTable, with the drill's target checks), in a process of its own so that
 * restore-bench can tell firedrill's memory from the S3 server's and its own: after start-up
 * the peak RSS is reset (/proc/self/clear_refs), the idle RSS read, the work done, and the new
 * peak read. Prints one JSON line: { ms, rows, idleKiB, peakKiB }.
 *
 * Argument: JSON { mode: 'backup' | 'restore' | 'upload', table, environment, env, file? }.
 * `upload` puts a local file into the same bucket, as the backup puts its CSV: what the S3
 * path alone costs, for reference.
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import type { Environment } from '../../src/config/config-schema.js';
import { s3ObjectStoreFor } from '../../adapters/s3/s3-object-store.js';
import { backupEnvironmentTable, restoreEnvironmentTable, type TableBackupTarget } from '../../src/compose/table-backups.js';

interface WorkerInput {
  mode: 'backup' | 'restore' | 'upload';
  table: string;
  file?: string;
  environment: Environment;
  env: Record<string, string>;
}

export interface WorkerResult {
  ms: number;
  rows: number;
  idleKiB: number;
  peakKiB: number;
}

function statusKiB(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`/proc/self/status has no ${field}`);
  return Number(match[1]);
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as WorkerInput;
  const target: TableBackupTarget = {
    environmentName: 'bench',
    environment: input.environment,
    table: input.table,
    options: { configDir: process.cwd(), env: input.env },
  };
  // Start-up (loading modules) is not the work: the peak is measured from here.
  await new Promise((resolve) => setTimeout(resolve, 200));
  writeFileSync('/proc/self/clear_refs', '5');
  const idleKiB = statusKiB('VmRSS');
  const started = performance.now();
  const rows = await work(input, target);
  const ms = performance.now() - started;
  const result: WorkerResult = { ms, rows, idleKiB, peakKiB: statusKiB('VmHWM') };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function work(input: WorkerInput, target: TableBackupTarget): Promise<number> {
  if (input.mode === 'backup') return (await backupEnvironmentTable(target)).backup.rows;
  if (input.mode === 'restore') return (await restoreEnvironmentTable(target)).rows;
  const store = s3ObjectStoreFor(Object.values(input.environment.buckets)[0]!, input.env);
  await store.put('upload-reference/data.csv', createReadStream(input.file!));
  return 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
