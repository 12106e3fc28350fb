import { type Client, createChannel, type CreateChannelOptions, createClient } from "./client.ts";
import type { Channel } from "../grpc_js/grpc_types.ts";
import { closeUnlessConnected } from "./connect_timeout.ts";
import type { LoadedService, Methods } from "../wire/service.ts";

/** Options of a {@linkcode Failover}: a channel's, and how long it may take to connect. */
export interface FailoverOptions extends CreateChannelOptions {
  /**
   * A server not connected to within this long is given up on: the channel
   * is closed and its calls fail `UNAVAILABLE`. Default: no limit.
   */
  connectTimeoutMs?: number;
}

/**
 * A client of one service on several servers, used one at a time: after a
 * failure, {@linkcode Failover.next} moves to the next server (after the
 * last, the first again) on a channel of its own. Give it to a
 * {@linkcode resumable} call or to {@linkcode retrying} to move on from a
 * server that is gone to one that answers.
 *
 * Each move opens a new channel, even to the same server, so that the wait
 * before the next attempt is the caller's backoff alone: a grpc-js channel
 * whose connection failed waits out its own reconnect backoff, which grows up
 * to two minutes, before it tries again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Failover, loadService, unary } from "../mod.ts";
 * import { HEALTH_PROTO } from "../server/health.ts";
 * const Health = loadService(HEALTH_PROTO, {
 *   name: "grpc.health.v1.Health",
 *   methods: { Check: unary<{ service: string }, { status: string }>() },
 * });
 * const servers = new Failover(Health, ["localhost:50051", "localhost:50052"]);
 * assert.equal(servers.target, "localhost:50051");
 * servers.next();
 * assert.equal(servers.target, "localhost:50052");
 * servers.close();
 * ```
 */
export class Failover<M extends Methods> {
  readonly #service: LoadedService<M>;
  readonly #targets: readonly string[];
  readonly #options: FailoverOptions;
  #index = 0;
  #channel: Channel | undefined;
  #client: Client<M> | undefined;

  /** `targets`: `host:port` of each server, tried in this order. */
  constructor(
    service: LoadedService<M>,
    targets: readonly string[],
    options: FailoverOptions = {},
  ) {
    if (targets.length === 0) throw new RangeError("Failover needs at least one target");
    this.#service = service;
    this.#targets = targets;
    this.#options = options;
  }

  /** The server in use. */
  get target(): string {
    return this.#targets[this.#index];
  }

  /** The client of the server in use, on a channel opened on first use. */
  get client(): Client<M> {
    if (!this.#client) {
      this.#channel = createChannel(this.target, this.#options);
      this.#client = createClient(this.#service, this.#channel);
      const { connectTimeoutMs } = this.#options;
      if (connectTimeoutMs !== undefined) closeUnlessConnected(this.#channel, connectTimeoutMs);
    }
    return this.#client;
  }

  /** Closes the channel in use and moves to the next server. */
  next(): void {
    this.close();
    this.#index = (this.#index + 1) % this.#targets.length;
  }

  /** Closes the channel in use, if one is open. */
  close(): void {
    this.#channel?.close();
    this.#channel = undefined;
    this.#client = undefined;
  }
}
