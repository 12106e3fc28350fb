import assert from "node:assert/strict";
import {
  bidiStreaming,
  clientStreaming,
  createChannel,
  createClient,
  GrpcServer,
  loadService,
  serverStreaming,
  unary,
} from "../../lib/mod.ts";
import { listen } from "../_shared/program.ts";
import { Printed } from "../_shared/testing.ts";
import {
  type Feature,
  type Point,
  type Rectangle,
  RouteGuide,
  type RouteNote,
  type RouteSummary,
} from "./api.ts";
import { runClient } from "./client.ts";
import { distanceMetres, inRectangle } from "./features.ts";
import { startServer } from "./server.ts";

const STATUE_OF_LIBERTY = { latitude: 406892494, longitude: -740445004 };
const EMPIRE_STATE = { latitude: 407484405, longitude: -739856644 };
const BROOKLYN_BRIDGE = { latitude: 407060855, longitude: -739968570 };
const NASSAU_HALL = { latitude: 403487000, longitude: -746593000 };
const NO_FEATURE = { latitude: 407000000, longitude: -740000000 };

/** Runs the client against a fresh server whose clock reads `times` in turn. */
async function run(route: Point[], times = [0, 0]): Promise<string[]> {
  await using started = await startServer({ port: 0 }, () => times.shift()!);
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print, { route });
  return out.texts;
}

function section(texts: string[], title: string): string[] {
  const start = texts.indexOf(`-------------- ${title} --------------`);
  const end = texts.findIndex((text, i) => i > start && text.startsWith("--------------"));
  return texts.slice(start + 1, end < 0 ? undefined : end);
}

Deno.test("routeguide: GetFeature prints the feature found, then the point where none is", async () => {
  const texts = await run([STATUE_OF_LIBERTY]);
  assert.deepEqual(section(texts, "GetFeature"), [
    "Feature called Jefferson Township trailhead, NJ at latitude: 409146138\nlongitude: -746188906\n",
    "Found no feature at ",
  ]);
});

Deno.test("routeguide: ListFeatures streams the features between 40, -75 and 42, -73", async () => {
  const [heading, ...features] = section(await run([STATUE_OF_LIBERTY]), "ListFeatures");
  assert.equal(heading, "Looking for features between 40, -75 and 42, -73");
  assert.deepEqual(features.map((text) => text.match(/^Feature called (.*) at /)?.[1]), [
    "Jefferson Township trailhead, NJ",
    "Statue of Liberty, Liberty Island, NY",
    "Empire State Building, New York, NY",
    "Brooklyn Bridge, New York, NY",
    "Nassau Hall, Princeton, NJ",
    "High Point Monument, Sussex County, NJ",
    "Bear Mountain summit, NY",
    "Walkway Over the Hudson, Poughkeepsie, NY",
    "Sandy Hook Lighthouse, NJ",
  ]);
  assert.equal(
    features[1],
    "Feature called Statue of Liberty, Liberty Island, NY at latitude: 406892494\nlongitude: -740445004\n",
  );
});

Deno.test("routeguide: RecordRoute counts points and features and sums haversine distances", async () => {
  const texts = await run([
    STATUE_OF_LIBERTY,
    EMPIRE_STATE,
    NO_FEATURE,
    NO_FEATURE,
    BROOKLYN_BRIDGE,
  ]);
  assert.deepEqual(section(texts, "RecordRoute"), [
    "Visiting point latitude: 406892494\nlongitude: -740445004\n",
    "Visiting point latitude: 407484405\nlongitude: -739856644\n",
    "Visiting point latitude: 407000000\nlongitude: -740000000\n",
    "Visiting point latitude: 407000000\nlongitude: -740000000\n",
    "Visiting point latitude: 407060855\nlongitude: -739968570\n",
    "Finished trip with 5 points ",
    "Passed 3 features ",
    // 8,240.5 + 5,520.1 + 0 + 726.7 m, by the tutorial's own Python formula
    "Travelled 14487 meters ",
    "It took 0 seconds ",
  ]);
});

Deno.test("routeguide: RecordRoute reports the whole seconds from its start to the last point", async () => {
  const texts = await run([EMPIRE_STATE], [1_000, 8_999]);
  assert.equal(section(texts, "RecordRoute").at(-1), "It took 7 seconds ");
});

Deno.test("routeguide: by default the route is ten features picked at random", async () => {
  await using started = await startServer({ port: 0 });
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print);
  const record = section(out.texts, "RecordRoute");
  assert.equal(record.filter((text) => text.startsWith("Visiting point latitude: ")).length, 10);
  assert.deepEqual(record.slice(10, 12), ["Finished trip with 10 points ", "Passed 10 features "]);
});

Deno.test("routeguide: RouteChat answers each note with the earlier notes at its location", async () => {
  const chat = section(await run([STATUE_OF_LIBERTY]), "RouteChat");
  // Sending and receiving overlap, so each direction is checked in its own order.
  assert.deepEqual(chat.filter((text) => text.startsWith("Sending ")), [
    "Sending First message at ",
    "Sending Second message at longitude: 1\n",
    "Sending Third message at latitude: 1\n",
    "Sending Fourth message at ",
    "Sending Fifth message at latitude: 1\n",
  ]);
  assert.deepEqual(chat.filter((text) => text.startsWith("Received ")), [
    "Received message First message at ",
    "Received message Third message at latitude: 1\n",
  ]);
  assert.equal(chat.length, 7);
});

Deno.test("routeguide: one degree of latitude is 111,195 m; corners may come in any order", () => {
  const origin = { latitude: 0, longitude: 0 };
  assert.equal(Math.round(distanceMetres(origin, { latitude: 10_000_000, longitude: 0 })), 111_195);
  assert.equal(distanceMetres(EMPIRE_STATE, EMPIRE_STATE), 0);
  const [lo, hi] = [{ latitude: 400_000_000, longitude: -750_000_000 }, STATUE_OF_LIBERTY];
  assert.ok(inRectangle(NASSAU_HALL, lo, hi) && inRectangle(NASSAU_HALL, hi, lo));
  assert.ok(inRectangle(STATUE_OF_LIBERTY, lo, hi), "a corner is inside");
  assert.ok(!inRectangle(EMPIRE_STATE, lo, hi), "north of the Statue of Liberty");
});

Deno.test("routeguide: ListFeature, the other tutorial's name for ListFeatures, streams the same features", async () => {
  await using started = await startServer({ port: 0 });
  const channel = createChannel(`localhost:${started.port}`);
  try {
    const guide = createClient(RouteGuide, channel);
    const rectangle = {
      lo: { latitude: 400_000_000, longitude: -750_000_000 },
      hi: { latitude: 420_000_000, longitude: -730_000_000 },
    };
    const official = await Array.fromAsync(guide.ListFeatures(rectangle));
    assert.equal(official.length, 9);
    assert.deepEqual(await Array.fromAsync(guide.ListFeature(rectangle)), official);
  } finally {
    channel.close();
  }
});

Deno.test("routeguide: against a server that knows only ListFeature, the client lists with that", async () => {
  // The other tutorial's server, in short: ListFeature, and no ListFeatures.
  const OtherRouteGuide = loadService(new URL("./route_guide.proto", import.meta.url), {
    name: "RouteGuide",
    methods: {
      GetFeature: unary<Point, Feature>(),
      ListFeature: serverStreaming<Rectangle, Feature>(),
      RecordRoute: clientStreaming<Point, RouteSummary>(),
      RouteChat: bidiStreaming<RouteNote, RouteNote>(),
    },
  });
  const server = new GrpcServer().add(OtherRouteGuide, {
    GetFeature: (location) => ({ name: "", location }),
    ListFeature:
      () => [{ name: "Statue of Liberty, Liberty Island, NY", location: STATUE_OF_LIBERTY }],
    async RecordRoute(points) {
      for await (const _ of points);
      return { point_count: 0, feature_count: 1, distance: 0, elapsed_time: 0 };
    },
    RouteChat: () => [],
  });
  await using started = await listen(server, { port: 0 });
  const out = new Printed();
  await runClient(`localhost:${started.port}`, out.print, { route: [] });
  assert.deepEqual(section(out.texts, "ListFeatures"), [
    "Looking for features between 40, -75 and 42, -73",
    "Feature called Statue of Liberty, Liberty Island, NY at latitude: 406892494\nlongitude: -740445004\n",
  ]);
});
