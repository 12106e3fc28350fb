import assert from "node:assert/strict";
import {
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import { Echo, type Message } from "../../tests/fixtures/echo.ts";
import { createChannel, createClient } from "../client/client.ts";
import {
  connectionsOf,
  directTransportOf,
  http2ServersOf,
  layerUnder,
  transportOf,
  wrapHttp2ServerCreation,
} from "./grpc_internals.ts";
import { GrpcServer } from "../server/server.ts";

const passThrough: ServerInterceptor = (_method, call) => new ServerInterceptingCall(call);

/** What a grpc-js server call looked like from inside its handler. */
interface Seen {
  layer: unknown;
  transport: ReturnType<typeof transportOf>;
  /** The transport's session, while the call runs. */
  session: unknown;
  direct: ReturnType<typeof directTransportOf>;
  write: unknown;
  writev: unknown;
}

/**
 * Serves Echo's Repeat raw on a grpc-js server (with `interceptors`), calls
 * it once, and returns what the call looked like, with the server's HTTP/2
 * servers and connections while the client was connected.
 */
async function observe(interceptors: ServerInterceptor[]) {
  const server = new GrpcServer({ options: { interceptors } });
  let seen: Seen | undefined;
  server.raw.addService(Echo.definition, {
    Repeat(call: object & { end(): void }) {
      const { _write, _writev } = call as { _write?: unknown; _writev?: unknown };
      seen = {
        layer: layerUnder(call),
        transport: transportOf(call),
        session: transportOf(call)?.session,
        direct: directTransportOf(call),
        write: _write,
        writev: _writev,
      };
      call.end();
    },
  });
  const port = await server.listen();
  const channel = createChannel(`localhost:${port}`);
  try {
    const replies: Message[] = await Array.fromAsync(
      createClient(Echo, channel).Repeat({ text: "", count: 0 }),
    );
    assert.deepEqual(replies, []);
    return {
      seen: seen!,
      http2Servers: http2ServersOf(server.raw).length,
      connections: connectionsOf(server.raw).length,
    };
  } finally {
    channel.close();
    await server.shutdown({ graceMs: 0 });
  }
}

Deno.test("grpc-js internals: a server call leads to its HTTP/2 stream, directly without interceptors", async () => {
  const { seen } = await observe([]);
  assert.equal(typeof seen.layer, "object", "grpc-js server calls no longer keep `call.call`");
  assert.ok(seen.transport, "`call.call.stream` no longer leads to the HTTP/2 stream");
  assert.equal(typeof seen.transport.once, "function", "`call.call.stream` is not an emitter");
  assert.ok(seen.session, "the HTTP/2 stream under a call has no `session`");
  assert.equal(seen.direct, seen.transport);
});

Deno.test("grpc-js internals: through interceptors, `nextCall` leads to the HTTP/2 stream", async () => {
  const { seen } = await observe([passThrough]);
  assert.ok(seen.transport, "`call.call…nextCall.stream` no longer leads to the HTTP/2 stream");
  assert.equal(seen.direct, undefined, "an intercepted call has its stream right under it");
});

Deno.test("grpc-js internals: response streams write through `_write`, with no `_writev` of their own", async () => {
  const { seen } = await observe([]);
  assert.equal(typeof seen.write, "function", "grpc-js response streams have no `_write`");
  assert.ok(!seen.writev, "grpc-js response streams have a `_writev` of their own");
});

Deno.test("grpc-js internals: a server's `http2Servers` map holds its HTTP/2 servers and their `sessions`", async () => {
  const { http2Servers, connections } = await observe([]);
  assert.equal(http2Servers, 1, "grpc-js servers no longer keep `http2Servers`");
  assert.equal(connections, 1, "grpc-js's `http2Servers` entries no longer keep `sessions`");
});

Deno.test("grpc-js internals: a server creates each HTTP/2 server through `createHttp2Server`", async () => {
  const server = new Server();
  const created: object[] = [];
  const wrapped = wrapHttp2ServerCreation(server, (credentials, create) => {
    created.push(credentials);
    return create(credentials);
  });
  assert.ok(wrapped, "grpc-js servers no longer have `createHttp2Server`");
  const credentials = ServerCredentials.createInsecure();
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "localhost:0",
      credentials,
      (error, port) => error ? reject(error) : resolve(port),
    )
  );
  server.forceShutdown();
  assert.deepEqual(created, [credentials], "grpc-js no longer calls `createHttp2Server` per bind");
});
