import assert from "node:assert/strict";
import { Http2SubchannelConnector } from "@grpc/grpc-js/build/src/transport.js";
import { msg, startEcho } from "../../tests/fixtures/echo.ts";
import type { DisconnectReporter } from "./early_goaway.ts";

// What the fix does for a client is specified, on a real program, in
// tests/client_test.ts ("a server that sends GOAWAY as soon as it accepts
// the connection"); here, that grpc-js still has the shapes it relies on.
Deno.test("grpc-js's client transports have the shapes the early GOAWAY fix relies on, and it applies to them", async () => {
  const prototype = Http2SubchannelConnector.prototype as unknown as {
    connect(...args: unknown[]): Promise<DisconnectReporter>;
  };
  // The fix is applied as the first channel is made.
  await using echo = await startEcho({ Say: (request) => Promise.resolve(request) });
  const connect = prototype.connect;
  const transports: DisconnectReporter[] = [];
  prototype.connect = function (this: unknown, ...args: unknown[]) {
    return connect.apply(this, args).then((transport) => (transports.push(transport), transport));
  };
  try {
    assert.deepEqual(await echo.client.Say(msg("hi")), msg("hi"));
  } finally {
    prototype.connect = connect;
  }
  assert.equal(transports.length, 1);
  const [transport] = transports;
  assert.equal(transport.disconnectHandled, false);
  assert.equal(typeof transport.addDisconnectListener, "function");
  assert.equal(typeof transport.shutdown, "function");
  assert.equal(
    (Object.getPrototypeOf(transport) as Record<symbol, unknown>)[
      Symbol.for("grpc-deno.early-goaway")
    ],
    true,
  );
});
