import { NO_LISTENER, type StoreListener } from "./store.ts";

/**
 * What the stores kept by this process alone have in common: nothing to
 * connect to, no other server to catch up with, and one listener, told of
 * each commit by the store itself.
 */
export abstract class LocalStore {
  /** Told of every commit. */
  protected listener: StoreListener = NO_LISTENER;

  caughtUp(): Promise<void> {
    return Promise.resolve();
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  listen(listener: StoreListener): void {
    this.listener = listener;
  }
}
