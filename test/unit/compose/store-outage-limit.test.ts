import { describe, expect, it } from 'vitest';
import { storeOutageLimitMs } from '../../../src/compose/store-outage-limit.js';
import { isUserError } from '../../../src/errors.js';

describe('FIREDRILL_STORE_OUTAGE_LIMIT', () => {
  it('is 60 s unless set, and takes a duration', () => {
    expect(storeOutageLimitMs({})).toBe(60_000);
    expect(storeOutageLimitMs({ FIREDRILL_STORE_OUTAGE_LIMIT: '' })).toBe(60_000);
    expect(storeOutageLimitMs({ FIREDRILL_STORE_OUTAGE_LIMIT: '2m' })).toBe(120_000);
    expect(storeOutageLimitMs({ FIREDRILL_STORE_OUTAGE_LIMIT: '500ms' })).toBe(500);
  });

  it('names the variable and the fix when it is not a duration', () => {
    for (const text of ['60', 'soon', '0s']) {
      let thrown: unknown;
      try {
        storeOutageLimitMs({ FIREDRILL_STORE_OUTAGE_LIMIT: text });
      } catch (error) {
        thrown = error;
      }
      expect(isUserError(thrown), text).toBe(true);
      expect((thrown as Error).message).toBe(`FIREDRILL_STORE_OUTAGE_LIMIT="${text}" is not a duration`);
      expect((thrown as { hint?: string }).hint).toBe('write e.g. 60s or 2m (unset, it is 1m)');
    }
  });
});
