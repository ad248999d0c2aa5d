import { PermanentDeliveryFailure } from '../../src/notify/ports.js';

/** One request to a team's tool; longer than this and the try is counted as failed (and tried again). */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * Sends one JSON request and returns the parsed answer (or undefined when it has none).
 * A 4xx other than 408/429 is the sender's mistake (a bad key, a malformed event): trying
 * again would not help, so it is permanent. Messages name the service and status, and at
 * most the start of the answer, never a request header.
 */
export async function sendJson(service: string, method: 'POST' | 'PATCH', url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', 'user-agent': 'firedrill', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (error) {
    throw new Error(`${service} could not be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  if (!response.ok) {
    const message = `${service} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    throw permanent ? new PermanentDeliveryFailure(message) : new Error(message);
  }
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads a channel's secret once it is first needed; a missing one fails every delivery, permanently, saying which. */
export function lazySecret(read: () => Promise<string>): () => Promise<string> {
  let value: Promise<string> | undefined;
  return () => {
    value ??= read().catch((error: unknown) => {
      value = undefined;
      throw new PermanentDeliveryFailure(error instanceof Error ? error.message : String(error));
    });
    return value;
  };
}
