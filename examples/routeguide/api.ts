import {
  bidiStreaming,
  clientStreaming,
  loadService,
  serverStreaming,
  unary,
} from "../../lib/mod.ts";

/** A position, in degrees multiplied by 10^7. */
export type Point = { latitude: number; longitude: number };

/** The rectangle between two opposite corners. */
export type Rectangle = { lo: Point | null; hi: Point | null };

/** A named place; an empty name means nothing is known there. */
export type Feature = { name: string; location: Point | null };

/** A message left at a location. */
export type RouteNote = { location: Point | null; message: string };

/** What `RecordRoute` reports on a route: distance in metres, time in seconds. */
export type RouteSummary = {
  point_count: number;
  feature_count: number;
  distance: number;
  elapsed_time: number;
};

/**
 * `RouteGuide`, as declared in `route_guide.proto`. `ListFeature` is
 * `ListFeatures` under the name one of the tutorials gives it; the client
 * calls the official `ListFeatures`.
 */
export const RouteGuide = loadService(new URL("./route_guide.proto", import.meta.url), {
  name: "RouteGuide",
  methods: {
    GetFeature: unary<Point, Feature>(),
    ListFeatures: serverStreaming<Rectangle, Feature>(),
    ListFeature: serverStreaming<Rectangle, Feature>(),
    RecordRoute: clientStreaming<Point, RouteSummary>(),
    RouteChat: bidiStreaming<RouteNote, RouteNote>(),
  },
});
