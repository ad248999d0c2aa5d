/**
 * Pushes the newest version of a message, one update at a time: while one is in flight,
 * later versions replace each other, so a burst of journal events costs one API call
 * (chat platforms rate-limit edits) and the message always ends on the newest version.
 */
export function liveUpdater<T>(push: (value: T) => Promise<void>, onError: (error: unknown) => void): { set(value: T): void; flush(): Promise<void> } {
  let pending: { value: T } | undefined;
  let running: Promise<void> | undefined;
  const drain = async () => {
    while (pending) {
      const { value } = pending;
      pending = undefined;
      try {
        await push(value);
      } catch (error) {
        onError(error);
      }
    }
    running = undefined;
  };
  return {
    set(value) {
      pending = { value };
      running ??= drain();
    },
    async flush() {
      while (running) await running;
    },
  };
}
