/**
 * The RouteGuide client: calls each method in turn and prints what it sends
 * and receives, line for line as the tutorial's client does, points in
 * protobuf text format.
 *
 * @module
 */
import { type Client, createChannel, createClient, isGrpcError, Status } from "../../lib/mod.ts";
import { clientMain } from "../_shared/program.ts";
import { textFormat } from "../_shared/text_format.ts";
import { type Feature, type Point, type Rectangle, RouteGuide, type RouteNote } from "./api.ts";
import { FEATURES, ORIGIN } from "./features.ts";

type Print = (text: string) => void;

interface Session {
  guide: Client<typeof RouteGuide.methods>;
  print: Print;
  signal?: AbortSignal;
}

/** A location as Python prints a `Point`: `latitude: …` and `longitude: …` lines, or nothing. */
function at(point: Point | null): string {
  return textFormat(point ?? ORIGIN);
}

async function getOneFeature({ guide, print, signal }: Session, point: Point): Promise<void> {
  const feature = await guide.GetFeature(point, { signal });
  if (!feature.location) print("Server returned incomplete feature");
  else if (feature.name) print(`Feature called ${feature.name} at ${at(feature.location)}`);
  else print(`Found no feature at ${at(feature.location)}`);
}

/**
 * The features in `rectangle`, from `ListFeatures`; from `ListFeature`, the
 * other tutorial's name for it, on a server that knows only that one.
 */
async function* featuresIn(
  { guide, signal }: Session,
  rectangle: Rectangle,
): AsyncGenerator<Feature> {
  let received = 0;
  try {
    for await (const feature of guide.ListFeatures(rectangle, { signal })) {
      received++;
      yield feature;
    }
  } catch (error) {
    if (received > 0 || !isGrpcError(error, Status.UNIMPLEMENTED)) throw error;
    yield* guide.ListFeature(rectangle, { signal });
  }
}

async function listFeatures(session: Session): Promise<void> {
  const rectangle = {
    lo: { latitude: 400_000_000, longitude: -750_000_000 },
    hi: { latitude: 420_000_000, longitude: -730_000_000 },
  };
  session.print("Looking for features between 40, -75 and 42, -73");
  for await (const feature of featuresIn(session, rectangle)) {
    session.print(`Feature called ${feature.name} at ${at(feature.location)}`);
  }
}

async function recordRoute({ guide, print, signal }: Session, route: Point[]): Promise<void> {
  function* visit() {
    for (const point of route) {
      print(`Visiting point ${at(point)}`);
      yield point;
    }
  }
  const summary = await guide.RecordRoute(visit(), { signal });
  print(`Finished trip with ${summary.point_count} points `);
  print(`Passed ${summary.feature_count} features `);
  print(`Travelled ${summary.distance} meters `);
  print(`It took ${summary.elapsed_time} seconds `);
}

function note(message: string, latitude: number, longitude: number): RouteNote {
  return { message, location: { latitude, longitude } };
}

/** The tutorial's notes: the fourth and fifth are at the first's and third's locations. */
const NOTES = [
  note("First message", 0, 0),
  note("Second message", 0, 1),
  note("Third message", 1, 0),
  note("Fourth message", 0, 0),
  note("Fifth message", 1, 0),
];

async function routeChat({ guide, print, signal }: Session): Promise<void> {
  function* send() {
    for (const sent of NOTES) {
      print(`Sending ${sent.message} at ${at(sent.location)}`);
      yield sent;
    }
  }
  for await (const received of guide.RouteChat(send(), { signal })) {
    print(`Received message ${received.message} at ${at(received.location)}`);
  }
}

/** `count` locations of features picked at random: the route the program records. */
export function randomRoute(count = 10): Point[] {
  return Array.from({ length: count }, () => {
    const { location } = FEATURES[Math.floor(Math.random() * FEATURES.length)];
    return location ?? ORIGIN;
  });
}

/**
 * Calls each RouteGuide method at `target` in turn, printing as the
 * tutorial's client does. `route` is what `RecordRoute` sends: by default
 * ten features picked at random.
 */
export async function runClient(
  target: string,
  print: Print,
  { route = randomRoute(), signal }: { route?: Point[]; signal?: AbortSignal } = {},
): Promise<void> {
  const channel = createChannel(target);
  try {
    const session = { guide: createClient(RouteGuide, channel), print, signal };
    print("-------------- GetFeature --------------");
    await getOneFeature(session, { latitude: 409_146_138, longitude: -746_188_906 });
    await getOneFeature(session, ORIGIN);
    print("-------------- ListFeatures --------------");
    await listFeatures(session);
    print("-------------- RecordRoute --------------");
    await recordRoute(session, route);
    print("-------------- RouteChat --------------");
    await routeChat(session);
  } finally {
    channel.close();
  }
}

if (import.meta.main) {
  Deno.exit(
    await clientMain(Deno.args, {
      task: "example:routeguide:client",
      about: "Calls GetFeature, ListFeatures, RecordRoute (a random route of ten features)\n" +
        "and RouteChat in turn, printing what it sends and receives.",
      defaultPort: 50051,
      run: ({ target, signal }) => runClient(target, console.log, { signal }),
    }),
  );
}
