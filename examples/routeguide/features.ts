import type { Feature, Point } from "./api.ts";
import database from "./route_guide_db.json" with { type: "json" };

/** The features in `route_guide_db.json`: the server's knowledge, the client's destinations. */
export const FEATURES: readonly Feature[] = database;

/** Where an unset point field is, as protobuf reads it: latitude 0, longitude 0. */
export const ORIGIN: Point = { latitude: 0, longitude: 0 };

/** Whether two locations are the same point; an unset one is the origin. */
export function samePoint(a: Point | null, b: Point | null): boolean {
  const [p, q] = [a ?? ORIGIN, b ?? ORIGIN];
  return p.latitude === q.latitude && p.longitude === q.longitude;
}

/** The feature at `point`, if there is one. */
export function featureAt(features: readonly Feature[], point: Point): Feature | undefined {
  return features.find((feature) => samePoint(feature.location, point));
}

/** Whether `point` is inside the rectangle with corners `a` and `b`, edges included. */
export function inRectangle(point: Point, a: Point, b: Point): boolean {
  const { latitude, longitude } = point;
  return Math.min(a.latitude, b.latitude) <= latitude &&
    latitude <= Math.max(a.latitude, b.latitude) &&
    Math.min(a.longitude, b.longitude) <= longitude &&
    longitude <= Math.max(a.longitude, b.longitude);
}

const EARTH_RADIUS_METRES = 6_371_000;

function degrees(coordinate: number): number {
  return coordinate / 1e7;
}

function radians(degrees: number): number {
  return degrees * (Math.PI / 180);
}

/**
 * The great-circle distance between two points in metres, by the haversine
 * formula on a sphere of the Earth's mean radius.
 *
 * @example
 * ```ts
 * import { distanceMetres } from "./features.ts";
 * distanceMetres({ latitude: 0, longitude: 0 }, { latitude: 10_000_000, longitude: 0 });
 * // 111194.9…, one degree of latitude
 * ```
 */
export function distanceMetres(from: Point, to: Point): number {
  const [lat1, lat2] = [degrees(from.latitude), degrees(to.latitude)];
  const [lon1, lon2] = [degrees(from.longitude), degrees(to.longitude)];
  const a = Math.sin(radians(lat2 - lat1) / 2) ** 2 +
    Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(radians(lon2 - lon1) / 2) ** 2;
  return EARTH_RADIUS_METRES * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
}
