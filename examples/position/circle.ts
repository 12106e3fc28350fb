import type { Pos } from "./api.ts";

/** How often the point moves, in milliseconds. */
export const STEP_MS = 100;

/** How far it turns each time, in degrees. */
export const STEP_DEGREES = 5;

/**
 * Where the point is after `steps` steps around the circle of radius 1 m
 * about the origin, in the horizontal plane, starting at (1, 0, 0).
 *
 * @example
 * ```ts
 * import { positionAfter } from "./circle.ts";
 * positionAfter(18); // { x: 6.1e-17, y: 1, z: 0 }, a quarter turn
 * ```
 */
export function positionAfter(steps: number): Pos {
  const azimuth = ((steps * STEP_DEGREES) % 360) * (Math.PI / 180);
  return { x: Math.cos(azimuth), y: Math.sin(azimuth), z: 0 };
}
