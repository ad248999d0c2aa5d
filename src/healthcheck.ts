/**
 * The container's health check, for images without a shell or curl: GET /healthz of the local
 * `firedrill serve` and exit 0 on 200, 1 otherwise. It imports node:http only, so it starts in
 * milliseconds. The port is $PORT (as for serve), else 8080; FIREDRILL_HEALTHCHECK_URL overrides.
 */
import { get } from 'node:http';
import { pathToFileURL } from 'node:url';

const TIMEOUT_MS = 3_000;

export function healthcheckUrl(env: NodeJS.ProcessEnv): string {
  return env.FIREDRILL_HEALTHCHECK_URL ?? `http://127.0.0.1:${env.PORT ?? '8080'}/healthz`;
}

/** Resolves to the exit code: 0 when /healthz answered 200 within the timeout. */
export function checkHealth(url: string, timeoutMs = TIMEOUT_MS): Promise<number> {
  return new Promise((resolve) => {
    const request = get(url, { timeout: timeoutMs }, (response) => {
      response.resume();
      if (response.statusCode === 200) return resolve(0);
      process.stderr.write(`healthcheck: ${url} answered ${response.statusCode}\n`);
      resolve(1);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => {
      process.stderr.write(`healthcheck: ${url}: ${error.message}\n`);
      resolve(1);
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await checkHealth(healthcheckUrl(process.env));
}
