import assert from "node:assert/strict";
import { GrpcError, GrpcServer, Status } from "../../lib/mod.ts";
import { listen } from "../_shared/program.ts";
import { Printed } from "../_shared/testing.ts";
import { closedPort } from "../../testing/programs.ts";
import { Contact } from "./api.ts";
import { runClient } from "./client.ts";
import { startServer } from "./server.ts";
import { TaskList } from "./tasks.ts";

const has = (text: string) => (texts: readonly string[]) => texts.includes(text);

/** Starts the client in the background; `stop` cancels it and waits for it to end. */
function startClient(target: string, out: Printed, retryMs = 60_000) {
  const interrupt = new AbortController();
  const running = runClient(target, out.print, {
    status: () => ["data: 7", "data: 12"],
    retryMs,
    signal: interrupt.signal,
  });
  return {
    async stop() {
      interrupt.abort();
      await assert.rejects(running);
    },
  };
}

Deno.test("contact: status is answered; tasks are pushed as they appear and confirmed", async () => {
  const serverOut = new Printed();
  await using started = await startServer({ port: 0 }, { print: serverOut.print });
  started.tasks.add("task: 101");
  const out = new Printed();
  const client = startClient(`localhost:${started.port}`, out);
  try {
    await serverOut.waitFor(has("the client confirmed: client received task: task: 101"));
    started.tasks.add("task: 102", "task: 103");
    await serverOut.waitFor(has("the client confirmed: client received task: task: 103"));
    await out.waitFor(has("server received message: data: 12"));
  } finally {
    await client.stop();
  }
  assert.deepEqual(out.texts.filter((text) => text.startsWith("server received")), [
    "server received message: data: 7",
    "server received message: data: 12",
  ]);
  assert.deepEqual(out.texts.filter((text) => text.startsWith("client received")), [
    "client received task from the server: task: 101",
    "client received task from the server: task: 102",
    "client received task from the server: task: 103",
  ]);
  assert.equal(serverOut.texts[0], "client online: sending it tasks");
  assert.deepEqual(serverOut.texts.filter((text) => text.startsWith("sent")), [
    "sent task to the client: task: 101",
    "sent task to the client: task: 102",
    "sent task to the client: task: 103",
  ]);
  assert.deepEqual(serverOut.texts.filter((text) => text.startsWith("the client")), [
    "the client confirmed: client received task: task: 101",
    "the client confirmed: client received task: task: 102",
    "the client confirmed: client received task: task: 103",
  ]);
});

Deno.test("contact: a client that registers late still gets every task, from the first", async () => {
  await using started = await startServer({ port: 0 }, { print: () => {} });
  started.tasks.add("task: 150", "task: 151");
  const out = new Printed();
  const client = startClient(`localhost:${started.port}`, out);
  try {
    await out.waitFor(has("client received task from the server: task: 151"));
  } finally {
    await client.stop();
  }
  assert.ok(out.texts.includes("client received task from the server: task: 150"));
});

Deno.test("contact: the server makes ten tasks from 100 to 200 as it starts", async () => {
  await using started = await startServer({ port: 0 }, { print: () => {}, batchEveryMs: 60_000 });
  const out = new Printed();
  const client = startClient(`localhost:${started.port}`, out);
  const task = /^client received task from the server: task: (\d+)$/;
  try {
    await out.waitFor((texts) => texts.filter((text) => task.test(text)).length === 10);
  } finally {
    await client.stop();
  }
  for (const text of out.texts.filter((text) => task.test(text))) {
    const n = Number(text.match(task)![1]);
    assert.ok(n >= 100 && n <= 200, text);
  }
});

Deno.test("contact: shutting down ends the task stream at once; the client says so", async () => {
  await using started = await startServer({ port: 0 }, { print: () => {} });
  started.tasks.add("task: 120");
  const out = new Printed();
  const client = startClient(`localhost:${started.port}`, out);
  try {
    await out.waitFor(has("client received task from the server: task: 120"));
    assert.deepEqual(await started.server.shutdown({ graceMs: 5_000 }), { forced: false });
    await out.waitFor(
      has("server connected out, please retry: UNAVAILABLE: the server is shutting down"),
    );
  } finally {
    await client.stop();
  }
});

Deno.test("contact: with no server, the client retries, saying why each time", async () => {
  const port = closedPort();
  const out = new Printed();
  const client = startClient(`127.0.0.1:${port}`, out, 0);
  const line =
    `server connected out, please retry: cannot reach the server at 127.0.0.1:${port}: ` +
    `connect ECONNREFUSED 127.0.0.1:${port}`;
  try {
    await out.waitFor((texts) => texts.filter((text) => text === line).length >= 2);
  } finally {
    await client.stop();
  }
});

Deno.test("contact: when sendStatus fails on a live connection, the session's other calls end with it; after the retries one getTask is open and a task is printed once", async () => {
  // A server that refuses the first three status streams but stays up, and
  // counts the getTask calls open on it.
  const tasks = new TaskList();
  const serverOut = new Printed();
  let statusCalls = 0, open = 0;
  const server = new GrpcServer().add(Contact, {
    async *sendStatus(messages) {
      if (++statusCalls <= 3) throw new GrpcError(Status.UNAVAILABLE, "status is not taken yet");
      for await (const { msg } of messages) yield { ret: `server received message: ${msg}` };
    },
    async *getTask(_registration, { signal }) {
      serverOut.print(`getTask calls open: ${++open}`);
      try {
        for await (const task of tasks.follow(signal)) yield { task };
      } finally {
        serverOut.print(`getTask calls open: ${--open}`);
      }
    },
    async tellResult(results) {
      for await (const { ret } of results) serverOut.print(`the client confirmed: ${ret}`);
      return {};
    },
  });
  await using started = await listen(server, { port: 0 });
  const out = new Printed();
  const client = startClient(`localhost:${started.port}`, out, 10);
  try {
    await out.waitFor(has("server received message: data: 12"));
    assert.deepEqual(
      out.texts.filter((text) => text.startsWith("server connected out")),
      Array(3).fill(
        "server connected out, please retry: UNAVAILABLE: status is not taken yet",
      ),
    );
    // The three failed sessions' getTask calls were cancelled with them.
    await serverOut.waitFor(() => open === 1);
    tasks.add("task: 101");
    await serverOut.waitFor(has("the client confirmed: client received task: task: 101"));
  } finally {
    await client.stop();
  }
  assert.deepEqual(out.texts.filter((text) => text.startsWith("client received")), [
    "client received task from the server: task: 101",
  ]);
  assert.deepEqual(serverOut.texts.filter((text) => text.startsWith("the client")), [
    "the client confirmed: client received task: task: 101",
  ]);
});
