import assert from "node:assert/strict";
import { channelCredentials, createChannel, createClient, serverCredentials } from "../lib/mod.ts";
import { SumService } from "../sum/api.ts";
import { makeCertificates, type TestCertificates } from "./certs.ts";
import { runClientOn, startProgram, startServerProgram, startSumServer } from "./helpers.ts";

const read = (path: string) => Deno.readFileSync(path);

function tlsServer(certs: TestCertificates, mutual = false) {
  return startSumServer({
    credentials: serverCredentials({
      cert: read(certs.server.cert),
      key: read(certs.server.key),
      clientCa: mutual ? read(certs.ca) : undefined,
    }),
  });
}

const portOf = (target: string) => target.split(":").at(-1)!;

/** server.ts serving TLS with the test certificates, on the memory store. */
function startTlsServer(certs: TestCertificates, args: string[] = []) {
  const tls = ["--tls-cert", certs.server.cert, "--tls-key", certs.server.key];
  return startServerProgram(["--store", "memory", ...tls, ...args]);
}

Deno.test("TLS: a client trusting the server's CA is served, by host name and by IP address", async () => {
  await using certs = await makeCertificates();
  await using sum = await tlsServer(certs);
  const port = portOf(sum.target);
  for (const host of ["localhost", "127.0.0.1"]) {
    const run = await runClientOn(`${host}:${port}`, ["--ca", certs.ca, "add", "1"]);
    assert.deepEqual(run, { status: 0, stdout: [String(sum.total.value)], stderr: [] }, host);
  }
  assert.equal(sum.total.value, 2);
});

Deno.test("TLS: a client that does not trust the server's certificate, or speaks plaintext, is refused, and told which", async () => {
  await using certs = await makeCertificates();
  await using sum = await tlsServer(certs);
  const systemRoots = await runClientOn(sum.target, ["--tls", "add", "1"]);
  assert.equal(systemRoots.status, 1);
  assert.match(
    systemRoots.stderr[0],
    /^error: cannot reach the server at localhost:\d+: the server's certificate is not trusted \(.+\); --ca names the CA to trust$/,
  );
  const plaintext = await runClientOn(sum.target, ["add", "1"]);
  assert.equal(plaintext.status, 1);
  assert.match(plaintext.stderr[0], /: the server speaks TLS: use --tls, or --ca to name its CA$/);
  assert.equal(sum.total.value, 0);
});

Deno.test("a port that closes every connection at once is not taken for a TLS server", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closing = (async () => {
    for await (const connection of listener) connection.close();
  })();
  try {
    const run = await runClientOn(`127.0.0.1:${(listener.addr as Deno.NetAddr).port}`, [
      "add",
      "1",
    ]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr[0],
      /: it closed the connection at once, before any gRPC \(a port that refuses connections, or a server shutting down\?\)$/,
    );
    assert.deepEqual(run.stderr.slice(1), ["nothing was applied"]);
  } finally {
    listener.close();
    await closing.catch(() => {});
  }
});

Deno.test("TLS: the client names a certificate for another host, and a server that speaks plaintext", async () => {
  await using certs = await makeCertificates();
  await using tls = await startSumServer({
    host: "0.0.0.0",
    credentials: serverCredentials({ cert: read(certs.server.cert), key: read(certs.server.key) }),
  });
  const other = await runClientOn(`127.0.0.2:${portOf(tls.target)}`, [
    "--ca",
    certs.ca,
    "add",
    "1",
  ]);
  assert.equal(other.status, 1);
  assert.match(
    other.stderr[0],
    /: the server's certificate is not for this host \(.*127\.0\.0\.2 is not in the cert's list/,
  );
  await using plain = await startSumServer();
  const run = await runClientOn(plain.target, ["--ca", certs.ca, "add", "1"]);
  assert.equal(run.status, 1);
  assert.match(run.stderr[0], /: the server does not speak TLS \(.+\): is it serving plaintext\?$/);
  assert.deepEqual(run.stderr.slice(1), ["nothing was applied"]);
});

Deno.test("server.ts logs each failed TLS handshake with the client's address and the reason", async () => {
  await using certs = await makeCertificates();
  await using server = await startTlsServer(certs);
  const { target } = server;
  await runClientOn(target, ["add", "1"]);
  await runClientOn(target, ["--tls", "add", "1"]);
  await server.stderr.waitFor(/(TLS handshake failed.*\n[^]*){2}/, 10_000);
  const failures = server.stderr.lines.filter((line) => line.includes("TLS handshake failed"));
  assert.equal(failures.length, 2);
  for (const line of failures) {
    assert.match(line, / warn TLS handshake failed peer=127\.0\.0\.1:\d+ reason=".+"$/);
  }
  assert.match(failures.join("\n"), /wrong version number/);
  assert.match(failures.join("\n"), /UnknownCA|unknown ca/i);
});

Deno.test("mutual TLS: the server logs why it refused a client certificate", async () => {
  await using certs = await makeCertificates();
  await using server = await startTlsServer(certs, ["--client-ca", certs.ca]);
  const { target } = server;
  const stranger = ["--ca", certs.ca, "--cert", certs.stranger.cert, "--key", certs.stranger.key];
  assert.equal((await runClientOn(target, [...stranger, "add", "1"])).status, 1);
  assert.equal((await runClientOn(target, ["--ca", certs.ca, "add", "1"])).status, 1);
  await server.stderr.waitFor(/(TLS handshake failed.*\n[^]*){2}/, 10_000);
  const failures = server.stderr.lines.filter((line) => line.includes("TLS handshake failed"));
  assert.deepEqual(failures.map((line) => line.replace(/^.* peer=127\.0\.0\.1:\d+ /, "")), [
    `reason="the client's certificate (CN=stranger) is not issued by the client CA ` +
    `(UNABLE_TO_VERIFY_LEAF_SIGNATURE)"`,
    `reason="the client sent no certificate"`,
  ]);
});

Deno.test("mutual TLS: only a client with a certificate from the client CA is served", async () => {
  await using certs = await makeCertificates();
  await using sum = await tlsServer(certs, true);
  const withCert = ["--ca", certs.ca, "--cert", certs.client.cert, "--key", certs.client.key];
  assert.deepEqual(await runClientOn(sum.target, [...withCert, "add", "5"]), {
    status: 0,
    stdout: ["5"],
    stderr: [],
  });
  // Each refusal names its cause, however the handshake happened to end
  // (Deno's TLS says "CertificateRequired" on some runs, nothing on others).
  const server = `error: cannot reach the server at ${sum.target}`;
  for (let run = 0; run < 3; run++) {
    const without = await runClientOn(sum.target, ["--ca", certs.ca, "add", "5"]);
    assert.equal(without.status, 1);
    assert.match(
      without.stderr[0],
      new RegExp(
        `^${server}: the server (requires a client certificate: give --cert and --key|` +
          "ended the TLS handshake: does it require a client certificate \\(--cert and --key\\)\\?)",
      ),
    );
    assert.doesNotMatch(without.stderr[0], /\(\d{4}-\d\d-\d\dT/);
    const stranger = ["--ca", certs.ca, "--cert", certs.stranger.cert, "--key", certs.stranger.key];
    const refused = await runClientOn(sum.target, [...stranger, "add", "5"]);
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr[0],
      new RegExp(
        `^${server}: the server (does not accept the certificate of --cert|` +
          "ended the TLS handshake: does it trust the CA that issued the certificate of --cert\\?)",
      ),
    );
  }
  assert.equal(sum.total.value, 5);
});

Deno.test("client TLS flags are checked: a missing file or a lone --cert is a usage error", async () => {
  const missing = await runClientOn("localhost:1", ["--ca", "/nonexistent/ca.pem", "add", "1"]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr[0], "error: cannot read --ca /nonexistent/ca.pem: no such file");
  const lone = await runClientOn("localhost:1", ["--cert", "client.pem", "add", "1"]);
  assert.equal(lone.status, 2);
  assert.equal(lone.stderr[0], "error: --cert and --key go together");
});

Deno.test("server.ts serves TLS with --tls-cert and --tls-key, and mutual TLS with --client-ca", async () => {
  await using certs = await makeCertificates();
  const tls = ["--tls-cert", certs.server.cert, "--tls-key", certs.server.key];
  await using server = await startProgram("server", [
    "--port",
    "0",
    "--store",
    "memory",
    ...tls,
    "--client-ca",
    certs.ca,
  ]);
  await server.stdout.waitFor(/listening on \S+:\d+\n/);
  const port = server.stdout.text.match(/:(\d+)\n/)![1];
  const clientCert = ["--cert", certs.client.cert, "--key", certs.client.key];
  await using client = await startProgram("client", [
    "--port",
    port,
    "--ca",
    certs.ca,
    ...clientCert,
  ]);
  await client.write("1 2 3\n");
  await client.closeStdin();
  assert.equal(await client.exit(), 0);
  assert.equal(client.stdout.text, "1\n3\n6\n");
  assert.match(server.stderr.text, /info serving address=localhost:\d+ transport="mutual TLS"/);
});

Deno.test("server warns when it serves plaintext beyond loopback", async () => {
  await using server = await startProgram("server", [
    "--host",
    "0.0.0.0",
    "--port",
    "0",
    "--store",
    "memory",
  ]);
  await server.stderr.waitFor(
    /warn serving without TLS on a non-loopback address host=0\.0\.0\.0\n/,
  );
  await using local = await startProgram("server", ["--port", "0", "--store", "memory"]);
  await local.stderr.waitFor(/info serving /);
  assert.doesNotMatch(local.stderr.text, /warn/);
});

Deno.test("server.ts refuses at start, in one line, a key that is not its certificate's, or files that are not PEM", async () => {
  await using certs = await makeCertificates();
  const cases: Array<[string[], string]> = [
    [
      ["--tls-cert", certs.server.cert, "--tls-key", certs.client.key],
      "the private key does not belong to the certificate",
    ],
    [
      ["--tls-cert", certs.server.key, "--tls-key", certs.server.key],
      "the certificate is not a PEM certificate",
    ],
    [
      ["--tls-cert", certs.server.cert, "--tls-key", certs.server.cert],
      "the private key is not a PEM private key",
    ],
    [
      [
        "--tls-cert",
        certs.server.cert,
        "--tls-key",
        certs.server.key,
        "--client-ca",
        certs.server.key,
      ],
      "the client CA is not a PEM certificate",
    ],
  ];
  for (const [args, reason] of cases) {
    await using server = await startProgram("server", [
      "--port",
      "0",
      "--store",
      "memory",
      ...args,
    ]);
    assert.equal(await server.exit(), 1, args.join(" "));
    const flags = args.includes("--client-ca")
      ? "--tls-cert, --tls-key and --client-ca"
      : "--tls-cert and --tls-key";
    assert.equal(server.stderr.text, `error: cannot serve TLS with ${flags}: ${reason}\n`);
    assert.equal(server.stdout.text, "");
  }
});

Deno.test("client TLS files are checked before connecting: a key that is not its certificate's, a CA that is not PEM", async () => {
  await using certs = await makeCertificates();
  await using sum = await tlsServer(certs, true);
  const mismatched = await runClientOn(sum.target, [
    "--ca",
    certs.ca,
    "--cert",
    certs.client.cert,
    "--key",
    certs.server.key,
    "add",
    "1",
  ]);
  assert.equal(mismatched.status, 2);
  assert.equal(
    mismatched.stderr[0],
    "error: cannot connect with TLS with --cert and --key: " +
      "the private key does not belong to the certificate",
  );
  const notPem = await runClientOn(sum.target, ["--ca", certs.client.key, "add", "1"]);
  assert.equal(notPem.status, 2);
  assert.equal(
    notPem.stderr[0],
    "error: cannot connect with TLS with --ca: the CA is not a PEM certificate",
  );
  assert.equal(sum.total.value, 0);
});

Deno.test("mutual TLS: a client id is its certificate's alone: another client sending the same id gets a record of its own", async () => {
  await using certs = await makeCertificates();
  await using server = await startTlsServer(certs, ["--client-ca", certs.ca]);
  const clientOf = (pair: { cert: string; key: string }) => {
    const channel = createChannel(server.target, {
      credentials: channelCredentials({
        ca: read(certs.ca),
        cert: read(pair.cert),
        key: read(pair.key),
      }),
    });
    return Object.assign(createClient(SumService, channel), {
      [Symbol.dispose]: () => channel.close(),
    });
  };
  using owner = clientOf(certs.client);
  using other = clientOf(certs.otherClient);
  const number = { client_id: "shared", seq: 1 };
  assert.deepEqual(await owner.Add({ num: 5, ...number }), { sum: 5 });
  assert.deepEqual(await other.Add({ num: 7, ...number }), { sum: 12 }, "applied, not a duplicate");
  assert.deepEqual(await owner.Add({ num: 5, ...number, resend: true }), { sum: 5 });
  assert.deepEqual(await other.Add({ num: 7, ...number, resend: true }), { sum: 12 });
});
