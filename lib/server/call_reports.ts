/**
 * Reports to `onCallEnd` the calls no handler of lib/'s sees: calls of
 * services added raw (health, reflection), and calls grpc-js ends before a
 * handler runs (a request over the size limit, one that does not decode).
 *
 * @module
 */
import type { Http2Session, ServerHttp2Stream } from "node:http2";
import { setImmediate } from "node:timers";
import { peerOf, type PeerSocket } from "../deno/peer_address.ts";
import type { CallSummary } from "./handler.ts";
import { Status } from "../status.ts";

/** The HTTP/2 streams whose calls a `ServerCall` has reported. */
const reportedStreams = new WeakSet<object>();

/** Records that the call on `stream` has been reported by its `ServerCall`. */
export function markReported(stream: object): void {
  reportedStreams.add(stream);
}

/**
 * Reports, as `onCallEnd` does for lib's own calls, every call on `stream`
 * that no `ServerCall` reports. The status is the one the server sent, read
 * from the stream's trailers.
 */
export function reportUnseen(
  stream: ServerHttp2Stream,
  headers: Record<string, unknown>,
  onCallEnd: (summary: CallSummary) => void,
): void {
  // Kept on the stream for one shared listener: a closure per call cost
  // unary calls 3%.
  const watched = stream as WatchedStream;
  watched[unseen] = {
    started: performance.now(),
    method: headers[":path"],
    peer: sessionPeer(stream.session),
    onCallEnd,
  };
  stream.on("close", reportLater);
}

/** After grpc-js's own handling of the close, which reports a cancelled ServerCall. */
function reportLater(this: WatchedStream): void {
  setImmediate(reportIfUnseen, this);
}

const unseen = Symbol("unseen call");

type WatchedStream = ServerHttp2Stream & {
  [unseen]?: {
    started: number;
    method: unknown;
    peer: string;
    onCallEnd: (summary: CallSummary) => void;
  };
};

function reportIfUnseen(stream: WatchedStream): void {
  const call = stream[unseen];
  if (!call || reportedStreams.has(stream)) return;
  const sent = (stream.sentTrailers ?? stream.sentHeaders) as Record<string, unknown> | undefined;
  const status = sent?.["grpc-status"];
  call.onCallEnd({
    method: String(call.method ?? ""),
    peer: call.peer,
    code: status === undefined ? Status.CANCELLED : Number(status) as Status,
    details: status === undefined
      ? "cancelled by the client"
      : decodeURIComponent(String(sent?.["grpc-message"] ?? "")),
    durationMs: performance.now() - call.started,
  });
}

const sessionPeers = new WeakMap<object, string>();

/** A session's client address, read once: the socket may be gone when its calls end. */
function sessionPeer(session: Http2Session | undefined): string {
  if (!session) return "unknown";
  let peer = sessionPeers.get(session);
  if (peer === undefined) {
    peer = peerOf(session.socket as PeerSocket | undefined);
    sessionPeers.set(session, peer);
  }
  return peer;
}
