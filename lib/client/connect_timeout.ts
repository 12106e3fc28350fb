/**
 * A bound on how long a channel may take to connect. A server that is
 * frozen, or behind a network that went silent, accepts the TCP connection
 * (the kernel does) and then never answers HTTP/2: grpc-js keeps such a
 * channel connecting, and its calls waiting, for ever, and its keepalive
 * pings start only once connected.
 *
 * @module
 */
import { connectivityState } from "@grpc/grpc-js";
import type { Channel } from "../grpc_js/grpc_types.ts";

/** The part of a grpc-js channel this reads. */
interface WatchableChannel {
  getConnectivityState(tryToConnect: boolean): number;
  watchConnectivityState(
    current: number,
    deadline: Date | number,
    callback: (error?: Error) => void,
  ): void;
  close(): void;
}

/**
 * Starts `channel` connecting, and closes it if it is not connected within
 * `timeoutMs`: its waiting calls then fail with `UNAVAILABLE`, which a caller
 * that retries treats as any lost server.
 */
export function closeUnlessConnected(channel: Channel, timeoutMs: number): void {
  const watched = channel as unknown as WatchableChannel;
  const deadline = Date.now() + timeoutMs;
  // Only the first look starts a connection: after a failure, the calls that
  // retry on the channel decide whether it connects again.
  const check = (tryToConnect: boolean) => {
    const state = watched.getConnectivityState(tryToConnect);
    if (state === connectivityState.READY || state === connectivityState.SHUTDOWN) return;
    watched.watchConnectivityState(state, deadline, (error) => {
      if (error) watched.close();
      else check(false);
    });
  };
  check(true);
}
