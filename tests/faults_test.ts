import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import {
  createChannel,
  createClient,
  GrpcError,
  isGrpcError,
  loadService,
  serverCredentials,
  serverStreaming,
  Status,
} from "../lib/mod.ts";
import { HEALTH_PROTO } from "../lib/server/health.ts";
import { makeCertificates } from "./certs.ts";
import { goBuild } from "../bench/go_build.ts";

/** What `promise` resolves to, or "silent" if `ms` pass first. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | "silent"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"silent">((resolve) => timer = setTimeout(() => resolve("silent"), ms));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
import {
  collect,
  startProgram,
  startServerProgram,
  startSumServer,
  sumClient,
  tempDir,
} from "./helpers.ts";
import { floodUnread } from "./fixtures/unread_flood.ts";
import { frame, grpcRequestHeaders, PREFACE } from "./fixtures/http2_frames.ts";
import { memoryOf } from "../testing/memory.ts";
import { WATCH_BACKLOG } from "../sum/total_feed.ts";

const ones = function* (count: number) {
  for (let i = 0; i < count; i++) yield { num: 1 };
};

/** Polls `read` until it returns the same value twice in a row, `every` ms apart. */
async function settled(read: () => number, every = 200): Promise<number> {
  let last = read();
  while (true) {
    await new Promise((resolve) => setTimeout(resolve, every));
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

Deno.test("1,000 clients in sequence, then 200 at once: the server serves them all and the total adds up", async () => {
  await using sum = await startSumServer();
  for (let i = 0; i < 1_000; i++) {
    using client = sumClient(sum.target);
    assert.equal((await collect(client.SumServer(ones(3)))).length, 3);
  }
  await Promise.all(Array.from({ length: 200 }, async () => {
    using client = sumClient(sum.target);
    assert.equal((await collect(client.SumServer(ones(2)))).length, 2);
  }));
  assert.equal(sum.total.value, 3_400);
});

Deno.test("clients that cancel mid-stream leave the total between what they saw and what they sent", async () => {
  await using sum = await startSumServer();
  let acknowledged = 0;
  let sent = 0;
  await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    using client = sumClient(sum.target);
    async function* endless() {
      for (let n = 0; n < 1_000; n++) {
        sent++;
        yield { num: 1 };
      }
      await new Promise(() => {}); // stays open
    }
    let seen = 0;
    for await (const _ of client.SumServer(endless())) {
      if (++seen === 10 + i) break;
    }
    acknowledged += seen;
  }));
  const total = await settled(() => sum.total.value);
  assert.ok(total >= acknowledged && total <= sent, `${acknowledged} <= ${total} <= ${sent}`);
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 0 }), { sum: total });
});

Deno.test("clients killed mid-stream leave the server serving and the total consistent", async () => {
  await using sum = await startSumServer();
  const port = sum.target.split(":")[1];
  const clients = await Promise.all(
    Array.from({ length: 5 }, () => startProgram("client", ["--port", port])),
  );
  for (const client of clients) {
    await client.write("1\n".repeat(20));
    await client.stdout.waitFor(/^(1\n)?(\d+\n){19}\d+\n$/);
    await client.write("1\n".repeat(100)); // some of these are in flight when it dies
  }
  for (const client of clients) client.process.kill("SIGKILL");
  for (const client of clients) await client[Symbol.asyncDispose]();
  const printed = clients.reduce((count, client) => count + client.stdout.lines.length, 0);
  const total = await settled(() => sum.total.value);
  assert.ok(total >= printed && total <= 5 * 120, `${printed} <= ${total} <= 600`);
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 1 }), { sum: total + 1 });
});

Deno.test("a client that stops reading its replies is held back; other clients are served", async () => {
  await using sum = await startSumServer({ maxUnsentBytes: 64 * 1024 });
  const stalled = createChannel(sum.target);
  const sent = 100_000;
  try {
    const { SumServer } = createClient((await import("../sum/api.ts")).SumService, stalled);
    const replies = SumServer(ones(sent))[Symbol.asyncIterator]();
    await replies.next(); // reads one reply, then no more
    const applied = await settled(() => sum.total.value, 300);
    assert.ok(
      applied < sent / 2,
      `the server applied ${applied} of ${sent} numbers it could not answer`,
    );
    using other = sumClient(sum.target);
    assert.deepEqual(await other.Add({ num: 0 }), { sum: applied });
    await replies.return?.();
  } finally {
    stalled.close();
  }
});

Deno.test("a watcher that stops reading holds back no other call on its connection; read again, it gets every total in order, or ABORTED once 65,536 behind, never a gap", async () => {
  await using server = await startServerProgram(["--store", "memory"]);
  using client = sumClient(server.target); // one channel: one connection for both calls
  const watch = client.Watch({})[Symbol.asyncIterator]();
  assert.deepEqual((await watch.next()).value, { sum: 0 });
  // How far the server's watcher gets while the program reads nothing varies
  // with what the client buffers (from 112,000 to all 196,608 totals, seen
  // under load): it may or may not fall more than the backlog behind.
  const count = 3 * WATCH_BACKLOG;
  const replies = await within(60_000, collect(client.SumServer(ones(count))));
  assert.notEqual(replies, "silent", "the stream beside the unread watcher was held back");
  assert.deepEqual(replies.at(-1), { sum: count });
  const seen: number[] = [];
  const ended = await within(
    60_000,
    (async () => {
      try {
        for (let next = await watch.next(); !next.done; next = await watch.next()) {
          seen.push(next.value.sum);
          if (next.value.sum === count) return "current";
        }
        return "ended OK";
      } catch (error) {
        return error;
      }
    })(),
  );
  assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i + 1), "in order, no gap");
  if (ended === "current") return;
  assert.ok(isGrpcError(ended, Status.ABORTED), `${String(ended)} after ${seen.length} totals`);
  assert.match(
    ended.details,
    /^this watcher fell \d+ totals behind, more than the 65536 the server keeps for it \(it read slower than totals were committed\); watch again$/,
  );
});

Deno.test("bytes that are not gRPC (garbage, HTTP/1.1, a TLS hello) leave the server serving", async () => {
  await using sum = await startSumServer();
  const port = Number(sum.target.split(":")[1]);
  const junk = [
    crypto.getRandomValues(new Uint8Array(4096)),
    new TextEncoder().encode("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
  ];
  for (const bytes of junk) {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    await connection.write(bytes).catch(() => {});
    await connection.readable.pipeTo(new WritableStream()).catch(() => {}); // until the server hangs up
  }
  await assert.rejects(async () => {
    const tls = await Deno.connectTls({ hostname: "localhost", port });
    try {
      await tls.handshake();
    } finally {
      tls.close();
    }
  });
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 2 }), { sum: 2 });
});

/** Opens `count` TCP connections to `target` that send nothing; resolves to how many stay open past `ms`. */
async function silentConnections(target: string, count: number, ms: number): Promise<number> {
  const port = Number(target.split(":")[1]);
  const silent = await Promise.all(
    Array.from({ length: count }, () => Deno.connect({ hostname: "localhost", port })),
  );
  const closedWithin = (connection: Deno.Conn) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<string>((resolve) => timer = setTimeout(() => resolve("open"), ms));
    const closed = connection.read(new Uint8Array(64)).then(() => "closed", () => "closed");
    return Promise.race([closed, late]).finally(() => clearTimeout(timer));
  };
  const states = await Promise.all(silent.map(closedWithin));
  for (const connection of silent) connection.close();
  return states.filter((state) => state === "open").length;
}

Deno.test("connections that never send the HTTP/2 preface are closed after the handshake timeout", async () => {
  await using sum = await startSumServer({ handshakeTimeoutMs: 300 });
  assert.equal(await silentConnections(sum.target, 200, 5_000), 0);
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 1 }, "real clients are served");
});

Deno.test("with TLS, connections that never start the handshake are closed after the handshake timeout, and logged", async () => {
  await using certs = await makeCertificates();
  const failures: string[] = [];
  await using sum = await startSumServer({
    handshakeTimeoutMs: 300,
    credentials: serverCredentials({
      cert: Deno.readFileSync(certs.server.cert),
      key: Deno.readFileSync(certs.server.key),
    }),
    onHandshakeFailure: ({ reason }) => failures.push(reason),
  });
  assert.equal(await silentConnections(sum.target, 50, 5_000), 0);
  assert.equal(failures.length, 50);
  assert.ok(failures.every((reason) => /timeout/i.test(reason)), failures[0]);
});

/**
 * Sends one request to Add, as raw HTTP/2, with `contentType` and `body`;
 * resolves to the response's headers and trailers together (a status may
 * come in either).
 */
async function rawAdd(
  target: string,
  contentType: string,
  body: Uint8Array,
): Promise<http2.IncomingHttpHeaders> {
  const session = http2.connect(`http://${target}`);
  session.on("error", () => {});
  try {
    const request = session.request({
      ":method": "POST",
      ":path": "/sum.SumService/Add",
      "content-type": contentType,
      te: "trailers",
    });
    const headers: http2.IncomingHttpHeaders = {};
    request.on("response", (received) => Object.assign(headers, received));
    request.on("trailers", (received) => Object.assign(headers, received));
    const closed = new Promise((resolve) => request.once("close", resolve));
    request.end(body);
    request.resume();
    await closed;
    return headers;
  } finally {
    session.destroy();
  }
}

Deno.test("a request whose content-type is not gRPC gets 415, as the gRPC spec asks, and nothing else", async () => {
  await using sum = await startSumServer();
  const headers = await rawAdd(sum.target, "text/plain", new Uint8Array([0, 0, 0, 0, 0]));
  assert.equal(headers[":status"], 415);
  assert.equal(headers["grpc-status"], undefined);
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 0 }), { sum: 0 });
});

Deno.test("a message with the compressed flag set on a call that names no grpc-encoding is refused INTERNAL, not read as uncompressed", async () => {
  await using sum = await startSumServer();
  // Compressed flag 1, length 2, then RequestMessage { num: 5 } uncompressed.
  const body = new Uint8Array([1, 0, 0, 0, 2, 0x08, 5]);
  const { "grpc-status": status, "grpc-message": message } = await rawAdd(
    sum.target,
    "application/grpc",
    body,
  );
  assert.equal(Number(status), Status.INTERNAL);
  assert.match(
    decodeURIComponent(String(message)),
    /compressed flag is set, but the call names no grpc-encoding/,
  );
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 0 }), { sum: 0 }, "nothing applied");
});

Deno.test("rapid reset: thousands of calls reset at once are logged at most --call-log-rate a second, the rest counted in one line", async () => {
  await using server = await startServerProgram(["--store", "memory", "--call-log-rate", "50"]);
  const session = http2.connect(`http://${server.target}`);
  session.on("error", () => {});
  await new Promise((resolve) => session.once("connect", resolve));
  const started = performance.now();
  const resets = 2_000;
  for (let i = 0; i < resets && !session.destroyed; i++) {
    const request = session.request({
      ":method": "POST",
      ":path": "/sum.SumService/SumServer",
      "content-type": "application/grpc",
    });
    request.on("error", () => {});
    request.close(http2.constants.NGHTTP2_CANCEL);
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  session.destroy();
  await server.stderr.waitFor(/ warn calls not logged count=\d+/);
  const seconds = Math.ceil((performance.now() - started) / 1_000) + 1;
  const calls = server.stderr.lines.filter((line) => / info call /.test(line)).length;
  assert.ok(calls <= 50 * seconds, `${calls} call lines in about ${seconds} s`);
  const counted = server.stderr.lines
    .map((line) => Number(line.match(/ warn calls not logged count=(\d+)/)?.[1] ?? 0))
    .reduce((sum, count) => sum + count, 0);
  assert.ok(calls + counted <= resets, `${calls} + ${counted}`);
  using client = sumClient(server.target);
  assert.deepEqual(await client.Add({ num: 1 }), { sum: 1 }, "the server still serves");
});

Deno.test("under a limit of 256 open files, connections past --max-connections are closed at once and logged; the server never runs out of files, and once they go new clients are served", async () => {
  await using server = await startServerProgram(["--store", "memory", "--max-connections", "192"], {
    openFileLimit: 256,
  });
  const port = Number(server.target.split(":")[1]);
  const held: Deno.Conn[] = [];
  let refused = 0;
  try {
    // One at a time: each is held (the server answers with its SETTINGS) or closed.
    for (let i = 0; i < 300; i++) {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      await connection.write(PREFACE).catch(() => {});
      const answer = await within(5_000, connection.read(new Uint8Array(64)).catch(() => null));
      assert.notEqual(
        answer,
        "silent",
        `connection ${i + 1} (${held.length} held): the server neither answered nor closed it`,
      );
      if (answer === null) {
        refused++;
        connection.close();
      } else {
        held.push(connection);
      }
    }
  } finally {
    for (const connection of held) connection.close();
  }
  assert.deepEqual({ held: held.length, refused }, { held: 192, refused: 108 });
  await server.stderr.waitFor(
    / warn connection refused peer=127\.0\.0\.1:\d+ reason="\d+ connections open/,
  );
  using client = sumClient(`127.0.0.1:${port}`);
  assert.deepEqual(await client.Add({ num: 1 }, { timeout: 10_000 }), { sum: 1 });
});

Deno.test("under a limit of 256 open files, a burst of 1,500 connections at once leaves the server accepting new clients within seconds, and logged", async () => {
  await using server = await startServerProgram(["--store", "memory", "--max-connections", "192"], {
    openFileLimit: 256,
  });
  const port = Number(server.target.split(":")[1]);
  // All at once: the server accepts them faster than it can close those past
  // the limit, and its files run out. Those the listen queue has no room for
  // would retry for minutes: all go after a second.
  const burst = Array.from(
    { length: 1_500 },
    () => net.connect({ host: "127.0.0.1", port }).on("error", () => {}),
  );
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  for (const socket of burst) socket.destroy();
  using client = sumClient(`127.0.0.1:${port}`);
  assert.deepEqual(await client.Add({ num: 1 }, { timeout: 10_000 }), { sum: 1 });
  await server.stderr.waitFor(/ warn accepting again after \d+ ms/);
});

Deno.test("watchers of a client that advertised a window of 0 and then sent FIN are let go at once, totals pending or not", async () => {
  await using sum = await startSumServer();
  const port = Number(sum.target.split(":")[1]);
  const connection = await Deno.connect({ hostname: "localhost", port });
  await connection.write(PREFACE);
  await connection.write(frame(4, 0, 0, [0, 4, 0, 0, 0, 0])); // SETTINGS: initial window 0
  const headers = grpcRequestHeaders("/sum.SumService/Watch");
  for (let stream = 1; stream < 20; stream += 2) {
    await connection.write(frame(1, 4, stream, headers)); // HEADERS, END_HEADERS
    await connection.write(frame(0, 1, stream, [0, 0, 0, 0, 0])); // an empty WatchRequest, END_STREAM
  }
  const settled = async (watchers: number) => {
    for (let tries = 0; tries < 100 && sum.total.watchers !== watchers; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return sum.total.watchers;
  };
  assert.equal(await settled(10), 10);
  for (let i = 0; i < 1_000; i++) await sum.total.add(1); // totals none of them can be sent
  await connection.closeWrite();
  assert.equal(await settled(0), 0, "watchers still registered 5 s after the client's FIN");
  connection.close();
});

Deno.test("streams that send while their replies go unread are ended RESOURCE_EXHAUSTED once a connection holds 96 MiB of them unread (4 KiB a frame): the server stays small and serves others", async () => {
  await using server = await startServerProgram(["--store", "memory"]);
  const port = Number(server.target.split(":")[1]);
  const { rssKiB: before } = await memoryOf(server.process.pid);
  // Two connections of 100 streams, a frame per 7-byte message: without the
  // bound, 6 s of one such connection grew the server by 560 MB.
  const flood = await floodUnread(port, { connections: 2, streams: 100, ms: 3_000 });
  const { rssKiB: after } = await memoryOf(server.process.pid);
  assert.ok(flood.calmed > 0, `no stream was reset (${flood.sent} messages sent)`);
  const grownMiB = (after - before) / 1024;
  assert.ok(grownMiB < 200, `the server grew by ${grownMiB.toFixed(0)} MiB`);
  await server.stderr.waitFor(
    / status=RESOURCE_EXHAUSTED .*details="\d+ bytes of requests held unread on its connection, over the limit of 100663296: the client sends while it does not read the replies"/,
  );
  using client = sumClient(server.target);
  const { sum } = await client.Add({ num: 0 });
  assert.ok(sum > 0 && sum <= flood.sent, `total ${sum} of ${flood.sent} sent`);
});

Deno.test("Go's gRPC client pipelining 100 streams over 4 connections as fast as it can, reading every reply, is served whole: no stream is cut for what it sends ahead", async () => {
  await using built = await tempDir();
  const loadgen = await goBuild("loadgen", built.path);
  await using server = await startServerProgram();
  // Before, the bound on unread requests reset such streams RESOURCE_EXHAUSTED:
  // Go's client sends a DATA frame a message, and Deno holds 4 KiB for each.
  const run = await new Deno.Command(loadgen, {
    args: [
      "-target",
      server.target,
      "-mode",
      "fanin",
      "-streams",
      "100",
      "-conns",
      "4",
      "-n",
      "5000",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  // It fails unless each stream's last total is its first plus what it sent after.
  assert.ok(run.success, text(run.stderr));
  assert.doesNotMatch(server.stderr.text, /RESOURCE_EXHAUSTED/);
  using client = sumClient(server.target);
  assert.deepEqual(await client.Add({ num: 0 }), { sum: 100 * 5_000 });
});

Deno.test("a flood of HTTP/2 PING frames does not take the server down", async () => {
  await using sum = await startSumServer();
  const session = http2.connect(`http://${sum.target}`);
  session.on("error", () => {});
  await new Promise((resolve) => session.once("connect", resolve));
  for (let i = 0; i < 5_000 && !session.destroyed; i++) {
    try {
      session.ping(() => {});
    } catch {
      break; // too many pings in flight: the session refuses more
    }
  }
  session.destroy();
  using client = sumClient(sum.target);
  assert.deepEqual(await client.Add({ num: 3 }), { sum: 3 });
});

Deno.test("server killed mid-stream, with --no-retry: the client reports exactly what was applied and prints nothing wrong", async () => {
  await using server = await startServerProgram();
  const port = server.target.split(":").at(-1)!;
  await using client = await startProgram("client", ["--port", port, "--no-retry"]);
  await client.write("1\n".repeat(5));
  await client.stdout.waitFor(/^1\n2\n3\n4\n5\n$/);
  server.process.kill("SIGKILL");
  await server.exit();
  assert.equal(await client.exit(), 1);
  assert.equal(client.stdout.text, "1\n2\n3\n4\n5\n");
  const lines = client.stderr.text.trim().split("\n");
  assert.match(
    lines[0],
    new RegExp(`^error: the connection to the server at localhost:${port} was lost \\(.+\\)$`),
  );
  assert.equal(lines[1], "applied: 5 numbers (total 5)");
});

Deno.test("SIGTERM with 50 streams open: health turns NOT_SERVING first, every stream ends UNAVAILABLE after the grace period", async () => {
  await using server = await startServerProgram(["--grace", "1"]);
  const channel = createChannel(server.target);
  const healthChannel = createChannel(server.target);
  try {
    const { SumService } = await import("../sum/api.ts");
    const client = createClient(SumService, channel);
    const events: string[] = [];
    const Health = loadService(HEALTH_PROTO, {
      name: "grpc.health.v1.Health",
      methods: { Watch: serverStreaming<{ service: string }, { status: string }>() },
    });
    const serving = Promise.withResolvers<void>();
    const health = (async () => {
      for await (const { status } of createClient(Health, healthChannel).Watch({ service: "" })) {
        events.push(status);
        if (status === "SERVING") serving.resolve();
      }
    })().catch(() => {});
    const started = Array.from({ length: 50 }, () => Promise.withResolvers<void>());
    const streams = started.map(async (ready) => {
      async function* requests() {
        yield { num: 1 };
        await new Promise(() => {}); // stays open
      }
      try {
        for await (const _ of client.SumServer(requests())) ready.resolve();
        return "finished";
      } catch (error) {
        return error instanceof GrpcError ? `ended: ${error.code}` : `failed: ${error}`;
      } finally {
        events.push("stream ended");
      }
    });
    await Promise.all([serving.promise, ...started.map((ready) => ready.promise)]);
    const signalled = performance.now();
    server.process.kill("SIGTERM");
    const outcomes = await Promise.all(streams);
    const took = performance.now() - signalled;
    await health;
    assert.equal(await server.exit(), 0);
    assert.ok(took < 3_000, `the streams ended ${took.toFixed(0)} ms after SIGTERM`);
    const unavailable = `ended: ${Status.UNAVAILABLE}`;
    assert.ok(outcomes.every((outcome) => outcome === unavailable), outcomes.join(", "));
    assert.deepEqual(events.slice(0, 2), ["SERVING", "NOT_SERVING"]);
  } finally {
    channel.close();
    healthChannel.close();
  }
});
