import assert from "node:assert/strict";
import {
  createChannel,
  createClient,
  GrpcError,
  GrpcServer,
  loadService,
  Status,
  unary,
} from "../../lib/mod.ts";
import { listen } from "../_shared/program.ts";
import { Printed } from "../_shared/testing.ts";
import { closedPort } from "../../testing/programs.ts";
import { type Msg, PositinService, type Position, PositionService } from "./api.ts";
import { runClient } from "./client.ts";
import { pythonFloat } from "./python_float.ts";
import { startServer } from "./server.ts";

Deno.test("position: the point turns 5° every 100 ms; the client prints it as Python would", async () => {
  // The server reads its clock once as it starts, then once per request.
  const times = [0, 0, 99, 100, 1_800];
  await using started = await startServer({ port: 0 }, () => times.shift()!);
  const out = new Printed();
  const target = `localhost:${started.port}`;
  await runClient(target, out.print, { polls: 4, everyMs: 0 });
  assert.deepEqual(out.texts, [
    `Open position client channel: ${target}`,
    "PositionRes 0, character position, x:1.0, y:0.0, z:0.0",
    "1.0, 0.0, 0.0",
    "PositionRes 0, character position, x:1.0, y:0.0, z:0.0",
    "1.0, 0.0, 0.0",
    // cos 5° and sin 5° as float32, the proto's type
    "PositionRes 0, character position, x:0.9961947202682495, y:0.08715574443340302, z:0.0",
    "0.9961947202682495, 0.08715574443340302, 0.0",
    // a quarter turn after 1.8 s
    "PositionRes 0, character position, x:6.123234262925839e-17, y:1.0, z:0.0",
    "6.123234262925839e-17, 1.0, 0.0",
  ]);
});

Deno.test("position: on the real clock, polls 150 ms apart find the point moved along the circle", async () => {
  await using started = await startServer({ port: 0 });
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print, { polls: 2, everyMs: 150 });
  const positions = out.texts
    .filter((text) => text.startsWith("PositionRes 0, character position, "))
    .map((text) => text.match(/x:(\S+), y:(\S+), z:(\S+)$/)!.slice(1).map(Number));
  assert.equal(positions.length, 2);
  for (const [x, y, z] of positions) {
    assert.ok(Math.abs(Math.hypot(x, y) - 1) < 1e-6, `(${x}, ${y}) is on the unit circle`);
    assert.equal(z, 0);
  }
  assert.notDeepEqual(positions[0], positions[1]);
});

Deno.test("position: a failed request is printed and the polling goes on", async () => {
  const port = closedPort();
  const out = new Printed();
  await runClient(`127.0.0.1:${port}`, out.print, { polls: 2, everyMs: 0 });
  assert.deepEqual(out.texts.slice(1), [
    `client error cannot reach the server at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    `client error cannot reach the server at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
  ]);
});

Deno.test("position: PositionPub, in the proto but unused by the tutorial, is UNIMPLEMENTED", async () => {
  const WithPub = loadService(new URL("./position.proto", import.meta.url), {
    name: "posXYZ.PositionService",
    methods: { PositionPub: unary<Position, Msg>() },
  });
  await using started = await startServer({ port: 0 });
  const channel = createChannel(`localhost:${started.port}`);
  try {
    const position = { position: { x: 0, y: 1, z: 0 }, status: 0, msg: "" };
    await assert.rejects(
      createClient(WithPub, channel).PositionPub(position),
      (error) => error instanceof GrpcError && error.code === Status.UNIMPLEMENTED,
    );
  } finally {
    channel.close();
  }
});

Deno.test("position: the service answers as PositinService too, the name the tutorial's code uses", async () => {
  const times = [0, 1_800, 1_800];
  await using started = await startServer({ port: 0 }, () => times.shift()!);
  const channel = createChannel(`localhost:${started.port}`);
  try {
    const request = { status: 0, msg: "request pos" };
    const expected = {
      position: { x: 6.123234262925839e-17, y: 1, z: 0 },
      status: 0,
      msg: "character position",
    };
    assert.deepEqual(await createClient(PositinService, channel).PositionReq(request), expected);
    assert.deepEqual(await createClient(PositionService, channel).PositionReq(request), expected);
  } finally {
    channel.close();
  }
});

Deno.test("position: numbers print as Python prints floats", () => {
  const cases: [number, string][] = [
    [1, "1.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [2.5e-7, "2.5e-07"],
    [-8.742277657347586e-8, "-8.742277657347586e-08"],
    [6.123234262925839e-17, "6.123234262925839e-17"],
    [0.9961947202682495, "0.9961947202682495"],
    [1e15, "1000000000000000.0"],
    [123456789012345.6, "123456789012345.6"],
    [1e16, "1e+16"],
    [1.5e300, "1.5e+300"],
  ];
  for (const [value, python] of cases) assert.equal(pythonFloat(value), python, String(value));
});

Deno.test("position: against a server that knows only PositinService, the client asks that", async () => {
  // The tutorial's own server, in short: its code registers the service as PositinService.
  const server = new GrpcServer().add(PositinService, {
    PositionReq: () => ({ position: { x: 0, y: 1, z: 0 }, status: 0, msg: "character position" }),
  });
  await using started = await listen(server, { port: 0 });
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print, { polls: 2, everyMs: 0 });
  assert.deepEqual(out.texts.slice(1), [
    "PositionRes 0, character position, x:0.0, y:1.0, z:0.0",
    "0.0, 1.0, 0.0",
    "PositionRes 0, character position, x:0.0, y:1.0, z:0.0",
    "0.0, 1.0, 0.0",
  ]);
});
