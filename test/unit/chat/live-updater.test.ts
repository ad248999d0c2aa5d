import { describe, expect, it } from 'vitest';
import { liveUpdater } from '../../../src/chat/live-updater.js';

describe('liveUpdater', () => {
  it('sends one update at a time and always ends on the newest version', async () => {
    const sent: number[] = [];
    let release: () => void = () => undefined;
    const updater = liveUpdater<number>(
      async (value) => {
        sent.push(value);
        if (value === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      () => undefined,
    );
    updater.set(1);
    updater.set(2);
    updater.set(3);
    release();
    await updater.flush();
    expect(sent).toEqual([1, 3]);
  });

  it('keeps going after a failed update', async () => {
    const errors: unknown[] = [];
    const sent: number[] = [];
    const updater = liveUpdater<number>(async (value) => {
      if (value === 1) throw new Error('rate limited');
      sent.push(value);
    }, (error) => errors.push(error));
    updater.set(1);
    await updater.flush();
    updater.set(2);
    await updater.flush();
    expect(sent).toEqual([2]);
    expect(errors).toHaveLength(1);
  });
});
