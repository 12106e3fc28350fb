import { loadService, unary } from "../../lib/mod.ts";

/** A point in space, in metres. */
export type Pos = { x: number; y: number; z: number };

/** The position, with a status (0: success) and a message. */
export type Position = { position: Pos | null; status: number; msg: string };

/** A status and a message: the request for a position. */
export type Msg = { status: number; msg: string };

/**
 * `posXYZ.PositionService`, as declared in `position.proto`. `PositionPub`
 * is in the proto but unused by the tutorial: not served, it answers
 * `UNIMPLEMENTED`.
 */
export const PositionService = loadService(new URL("./position.proto", import.meta.url), {
  name: "posXYZ.PositionService",
  methods: { PositionReq: unary<Msg, Position>() },
});
