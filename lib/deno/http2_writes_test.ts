import assert from "node:assert/strict";
import net from "node:net";
import { Buffer } from "node:buffer";
import { batchWrites } from "./http2_writes.ts";

/** What one write to the socket's handle carried: its chunks' sizes. */
type SocketWrite = number[];

interface Connection extends AsyncDisposable {
  socket: net.Socket;
  /** Every write the socket made to the system, in order. */
  writes: SocketWrite[];
  /** Resolves with everything the peer received, once it has `bytes` bytes. */
  received(bytes: number): Promise<string>;
}

/** A batching socket connected to a local server that records what it receives. */
async function connection(): Promise<Connection> {
  let data = Buffer.alloc(0);
  let wanted: { bytes: number; resolve: (text: string) => void } | undefined;
  const check = () => {
    if (wanted && data.length >= wanted.bytes) wanted.resolve(data.toString());
  };
  const peers: net.Socket[] = [];
  const server = net.createServer((peer) => {
    peers.push(peer);
    peer.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      check();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  const writes: SocketWrite[] = [];
  const { _write, _writev } = socket as unknown as Record<string, (...args: unknown[]) => void>;
  Object.assign(socket, {
    _write(chunk: Buffer, ...rest: unknown[]) {
      writes.push([chunk.length]);
      _write.call(socket, chunk, ...rest);
    },
    _writev(chunks: { chunk: Buffer }[], ...rest: unknown[]) {
      writes.push(chunks.map(({ chunk }) => chunk.length));
      _writev.call(socket, chunks, ...rest);
    },
  });
  batchWrites(socket);
  return {
    socket,
    writes,
    received: (bytes) =>
      new Promise((resolve) => {
        wanted = { bytes, resolve };
        check();
      }),
    async [Symbol.asyncDispose]() {
      socket.destroy();
      for (const peer of peers) peer.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

Deno.test("writes made together leave the socket in one system write, in order", async () => {
  await using connected = await connection();
  for (const text of ["one ", "two ", "three"]) connected.socket.write(text);
  assert.equal(await connected.received(13), "one two three");
  assert.deepEqual(connected.writes, [[4, 4, 5]]);
});

Deno.test("a lone write is sent at the end of its turn, without waiting for later turns", async () => {
  await using connected = await connection();
  connected.socket.write("ping");
  await nextTurn();
  assert.deepEqual(connected.writes, [[4]]);
  assert.equal(await connected.received(4), "ping");
});

Deno.test("writes of later turns go out on their own, so a batch holds one turn at most", async () => {
  await using connected = await connection();
  connected.socket.write("first ");
  connected.socket.write("turn ");
  await nextTurn();
  connected.socket.write("second");
  assert.equal(await connected.received(17), "first turn second");
  assert.deepEqual(connected.writes, [[6, 5], [6]]);
});

Deno.test("a write followed at once by destroy still reaches the peer", async () => {
  await using connected = await connection();
  connected.socket.write("goodbye");
  connected.socket.destroy();
  assert.equal(await connected.received(7), "goodbye");
});
