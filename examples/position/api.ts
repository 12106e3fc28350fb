import { loadService, unary } from "../../lib/mod.ts";

/** A point in space, in metres. */
export type Pos = { x: number; y: number; z: number };

/** The position, with a status (0: success) and a message. */
export type Position = { position: Pos | null; status: number; msg: string };

/** A status and a message: the request for a position. */
export type Msg = { status: number; msg: string };

const methods = { PositionReq: unary<Msg, Position>() };

/**
 * `posXYZ.PositionService`, as declared in `position.proto` and the
 * tutorial's text. `PositionPub` is in the proto but unused by the tutorial:
 * not served, it answers `UNIMPLEMENTED`.
 */
export const PositionService = loadService(new URL("./position.proto", import.meta.url), {
  name: "posXYZ.PositionService",
  methods,
});

/**
 * `posXYZ.PositinService`: the same service under the name the tutorial's
 * code and its author's repository give it.
 */
export const PositinService = loadService(new URL("./position.proto", import.meta.url), {
  name: "posXYZ.PositinService",
  methods,
});
