/**
 * The RouteGuide server, over the features of `route_guide_db.json`: one
 * method of each call kind.
 *
 * @module
 */
import { GrpcServer } from "../../lib/mod.ts";
import { type Address, listen, serverMain, type StartedServer } from "../_shared/program.ts";
import { type Feature, type Point, type Rectangle, RouteGuide, type RouteNote } from "./api.ts";
import { distanceMetres, featureAt, FEATURES, inRectangle, ORIGIN, samePoint } from "./features.ts";

/**
 * Starts a RouteGuide server at `address`. `now` is the clock, in
 * milliseconds, that times each route for `RecordRoute`.
 */
export function startServer(
  address: Address = {},
  now: () => number = Date.now,
): Promise<StartedServer> {
  const listFeatures = ({ lo, hi }: Rectangle): Feature[] =>
    FEATURES.filter(({ location }) =>
      location !== null && inRectangle(location, lo ?? ORIGIN, hi ?? ORIGIN)
    );
  const server = new GrpcServer().add(RouteGuide, {
    GetFeature: (point) => featureAt(FEATURES, point) ?? { name: "", location: point },

    ListFeatures: listFeatures,
    // The same method, under the name the tutorial in Chinese gives it.
    ListFeature: listFeatures,

    async RecordRoute(points) {
      const start = now();
      let pointCount = 0, featureCount = 0, distance = 0;
      let previous: Point | undefined;
      for await (const point of points) {
        pointCount++;
        if (featureAt(FEATURES, point)) featureCount++;
        if (previous) distance += distanceMetres(previous, point);
        previous = point;
      }
      return {
        point_count: pointCount,
        feature_count: featureCount,
        distance: Math.trunc(distance),
        elapsed_time: Math.trunc((now() - start) / 1000),
      };
    },

    // Each call is its own chat: a note is answered with the call's earlier notes at its location.
    async *RouteChat(notes) {
      const earlier: RouteNote[] = [];
      for await (const note of notes) {
        yield* earlier.filter(({ location }) => samePoint(location, note.location));
        earlier.push(note);
      }
    },
  });
  return listen(server, address);
}

if (import.meta.main) {
  Deno.exit(
    await serverMain(Deno.args, {
      task: "example:routeguide:server",
      about: "Serves RouteGuide (route_guide.proto) over the features in route_guide_db.json.",
      defaultPort: 50051,
      start: (address) => startServer(address),
    }),
  );
}
