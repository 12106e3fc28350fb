/**
 * A TCP proxy in front of a gRPC server that loses replies the server sent:
 * on its first connection it passes the first `pass` bytes of the server's
 * DATA frames (the gRPC messages), swallows the next `swallow` (replies to
 * changes the server committed, which the client never reads), then, after
 * `holdMs` of silence, cuts the connection. Later connections pass everything. HTTP/2 frames are read just
 * enough for that: a 9-byte header holding the length, the type (0 is DATA)
 * and the stream. Bytes, not frames or messages, as the server puts several
 * messages in one frame when it can.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/** A running cutter; disposing it closes every connection. */
export interface ReplyCutter extends AsyncDisposable {
  /** Where clients connect, as `localhost:PORT`. */
  target: string;
  /** Resolves once the first connection has been cut. */
  cut: Promise<void>;
}

/** Starts a cutter in front of the server at `port` on localhost. */
export function startReplyCutter(
  port: number,
  { pass, swallow, holdMs = 0 }: {
    pass: number;
    swallow: number;
    /** How long the connection stays open, silent, after the last byte swallowed. */
    holdMs?: number;
  },
): ReplyCutter {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const cut = Promise.withResolvers<void>();
  const open = new Set<Deno.Conn>();
  let first = true;
  const accepting = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: "127.0.0.1", port });
      open.add(client).add(server);
      // close() alone leaves the socket open while a read of it is pending
      // (Deno drops it once the read returns, and an idle peer sends
      // nothing): closeWrite() sends the FIN at once.
      const close = () => {
        for (const conn of [client, server]) {
          if (open.delete(conn)) shut(conn);
        }
      };
      copy(client, server, (chunk) => chunk).finally(close);
      if (first) {
        first = false;
        const frames = new FrameFilter(pass, swallow, () => {
          setTimeout(() => {
            close();
            cut.resolve();
          }, holdMs);
        });
        copy(server, client, (chunk) => frames.filter(chunk)).finally(close);
      } else {
        copy(server, client, (chunk) => chunk).finally(close);
      }
    }
  })();
  return {
    target: `localhost:${(listener.addr as Deno.NetAddr).port}`,
    cut: cut.promise,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of open) shut(conn);
      await accepting.catch(() => {});
    },
  };
}

function shut(conn: Deno.Conn): void {
  conn.closeWrite().catch(() => {}).finally(() => {
    try {
      conn.close();
    } catch {
      // closed by its reader's failure
    }
  });
}

async function copy(from: Deno.Conn, to: Deno.Conn, map: (chunk: Uint8Array) => Uint8Array) {
  const buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const read = await from.read(buffer);
      if (read === null) return;
      const out = map(buffer.slice(0, read));
      if (out.length > 0) await to.write(out);
    }
  } catch {
    // either side closed
  }
}

/** Passes frames until `pass` bytes of DATA have gone by, then drops stream frames; cuts after `swallow`. */
class FrameFilter {
  #pending = new Uint8Array(0);
  /** DATA bytes seen, those of the frame being looked at included. */
  #data = 0;
  #cutDone = false;

  constructor(
    readonly pass: number,
    readonly swallow: number,
    readonly onCut: () => void,
  ) {}

  filter(chunk: Uint8Array): Uint8Array {
    const bytes = Buffer.concat([this.#pending, chunk]);
    const out: Uint8Array[] = [];
    let at = 0;
    while (bytes.length - at >= 9) {
      const length = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
      if (bytes.length - at < 9 + length) break;
      const frame = bytes.subarray(at, at + 9 + length);
      at += 9 + length;
      const stream = new DataView(frame.buffer, frame.byteOffset + 5, 4).getUint32(0) & 0x7fffffff;
      if (frame[3] === 0 && stream !== 0) this.#data += length;
      if (stream === 0 || this.#data <= this.pass) out.push(frame);
      if (this.#data >= this.pass + this.swallow && !this.#cutDone) {
        this.#cutDone = true;
        queueMicrotask(this.onCut);
        break;
      }
    }
    this.#pending = bytes.subarray(at);
    return Buffer.concat(out);
  }
}
