/**
 * One client call of each kind over grpc-js: the requests written as the
 * transport takes them, the responses as a promise or an async iterable,
 * cancellation by signal or by leaving the loop, and failures as
 * {@linkcode GrpcError}s.
 *
 * @module
 */
import {
  type Client as RawClient,
  type ClientReadableStream,
  type Metadata as GrpcMetadata,
  type ServiceError,
  type StatusObject,
} from "@grpc/grpc-js";
import type { Writable } from "node:stream";
import type { CallOptions } from "./client.ts";
import { errorFromStatus, GrpcError } from "../error.ts";
import type { MethodDefinition } from "../grpc_js/grpc_types.ts";
import { Inbox } from "../flow/inbox.ts";
import { toMetadata } from "../metadata.ts";
import type { MethodKind, Source } from "../wire/service.ts";
import { Status } from "../status.ts";
import { inboxFrom, writeAll } from "../flow/streams.ts";

type Callback = (error: ServiceError | null, response?: unknown) => void;

/**
 * The client-side function of one method of kind `kind`, calling it on `raw`:
 * a promise of the response, or an async iterable of the responses.
 */
export function caller(raw: RawClient, def: MethodDefinition, kind: MethodKind) {
  const { path, requestSerialize: serialize, responseDeserialize: deserialize } = def;
  switch (kind) {
    case "unary":
      return (request: unknown, options: CallOptions = {}) =>
        responseOf(options, undefined, (metadata, callOptions, callback) =>
          raw.makeUnaryRequest(
            path,
            serialize,
            deserialize,
            request,
            metadata,
            callOptions,
            callback,
          ));
    case "clientStreaming":
      return (requests: Source<unknown>, options: CallOptions = {}) =>
        responseOf(
          options,
          requests,
          (metadata, callOptions, callback) =>
            raw.makeClientStreamRequest(
              path,
              serialize,
              deserialize,
              metadata,
              callOptions,
              callback,
            ),
        );
    case "serverStreaming":
      return (request: unknown, options: CallOptions = {}) =>
        responsesOf(options, undefined, (metadata, callOptions) =>
          raw.makeServerStreamRequest(
            path,
            serialize,
            deserialize,
            request,
            metadata,
            callOptions,
          ));
    case "bidiStreaming":
      return (requests: Source<unknown>, options: CallOptions = {}) =>
        responsesOf(
          options,
          requests,
          (metadata, callOptions) =>
            raw.makeBidiStreamRequest(path, serialize, deserialize, metadata, callOptions),
        );
  }
}

/** The parts of a grpc-js client call that every kind has. */
interface RawCall {
  cancel(): void;
  on(event: "metadata", listener: (metadata: GrpcMetadata) => void): this;
  on(event: "status", listener: (status: StatusObject) => void): this;
}

/** A call whose requests are written by `writeAll`. */
type WritableCall = RawCall & Writable;

/**
 * Cancels a call. grpc-js opens a call's HTTP/2 stream a few microtasks after
 * the call starts, and a cancel before then never reaches the stream, which
 * then stays open on the server; by the next macrotask the stream exists, and
 * cancelling again resets it.
 */
function cancelCall(call: RawCall): void {
  call.cancel();
  setTimeout(() => call.cancel(), 0);
}

function callOptionsOf(options: CallOptions): { deadline?: Date } {
  const { deadline, timeout } = options;
  if (timeout === undefined) return { deadline };
  const fromTimeout = new Date(Date.now() + timeout);
  return { deadline: deadline && deadline < fromTimeout ? deadline : fromTimeout };
}

function cancelledBeforeStart(signal: AbortSignal): GrpcError {
  return new GrpcError(Status.CANCELLED, "cancelled before the call started", {
    cause: signal.reason,
  });
}

/**
 * Wires what every call shares: headers and trailers to the caller's hooks,
 * the abort signal to `cancel`, and the requests, if any, to the call.
 * `settled` must be called when the call ends; it returns the error a
 * request iterable threw, if one did.
 */
function attach(call: RawCall, options: CallOptions, requests: Source<unknown> | undefined) {
  const { signal, onHeader, onTrailer } = options;
  if (onHeader) call.on("metadata", onHeader);
  if (onTrailer) call.on("status", (status) => onTrailer(status.metadata));
  const cancel = () => cancelCall(call);
  signal?.addEventListener("abort", cancel);
  let writing: AbortController | undefined;
  let requestError: unknown;
  if (requests) {
    const writable = call as WritableCall;
    writing = new AbortController();
    const stopped = writing.signal;
    writeAll(writable, requests, stopped).then(
      () => stopped.aborted || writable.end(),
      (error) => {
        requestError = error;
        cancel();
      },
    );
  }
  return {
    stopWriting: () => writing?.abort(),
    settled(): unknown {
      writing?.abort();
      signal?.removeEventListener("abort", cancel);
      return requestError;
    },
  };
}

function responseOf<Res>(
  options: CallOptions,
  requests: Source<unknown> | undefined,
  start: (metadata: GrpcMetadata, callOptions: { deadline?: Date }, callback: Callback) => RawCall,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(cancelledBeforeStart(options.signal));
    const call = start(toMetadata(options.metadata), callOptionsOf(options), (error, response) => {
      const requestError = wiring.settled();
      if (requestError !== undefined) reject(requestError);
      else if (error) reject(errorFromStatus(error));
      else resolve(response as Res);
    });
    const wiring = attach(call, options, requests);
  });
}

function responsesOf<Res>(
  options: CallOptions,
  requests: Source<unknown> | undefined,
  start: (metadata: GrpcMetadata, callOptions: { deadline?: Date }) => ClientReadableStream<Res>,
): AsyncIterable<Res> {
  let iterated = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<Res> {
      if (iterated) throw new Error("the responses of a call can be iterated only once");
      iterated = true;
      if (options.signal?.aborted) {
        const inbox = new Inbox<Res>();
        inbox.end(cancelledBeforeStart(options.signal));
        return inbox;
      }
      const call = start(toMetadata(options.metadata), callOptionsOf(options));
      const wiring = attach(call, options, requests);
      const inbox = inboxFrom<Res>(call, () => {
        wiring.stopWriting();
        cancelCall(call);
      });
      // The stream ends ('end') once its last message is taken; the status
      // comes separately. The iteration ends when both are in.
      let ended = false;
      let status: StatusObject | undefined;
      const finish = () => {
        if (!ended || !status) return;
        const requestError = wiring.settled();
        if (requestError !== undefined) inbox.end(requestError);
        else if (status.code !== Status.OK) inbox.end(errorFromStatus(status));
        else inbox.end();
      };
      call.on("end", () => {
        ended = true;
        finish();
      });
      call.on("status", (received) => {
        status = received;
        finish();
      });
      call.on("error", () => {}); // the same failure arrives as 'status'
      return inbox;
    },
  };
}
