/** Throw-away certificates, made with openssl for one test and deleted after it. */
export interface TestCertificates extends AsyncDisposable {
  dir: string;
  /** The CA that issued the server's and the client's certificates. */
  ca: string;
  server: { cert: string; key: string };
  client: { cert: string; key: string };
  /** Another client certificate from the same CA. */
  otherClient: { cert: string; key: string };
  /** A client certificate from a CA nobody trusts. */
  stranger: { cert: string; key: string };
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!success) throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr)}`);
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  );
}

async function issue(dir: string, ca: string, name: string, altNames: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/${name}.ext`, `subjectAltName=${altNames}\n`);
  await openssl(
    dir,
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-set_serial",
    `0x${crypto.randomUUID().replaceAll("-", "")}`,
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  );
}

/** Makes a CA, a server certificate for localhost, 127.0.0.1 and ::1, and client certificates. */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "sum-tls-" });
  await Promise.all([makeCa(dir, "ca"), makeCa(dir, "stranger-ca")]);
  await Promise.all([
    issue(dir, "ca", "server", "DNS:localhost,IP:127.0.0.1,IP:::1"),
    issue(dir, "ca", "client", "DNS:client"),
    issue(dir, "ca", "other-client", "DNS:other-client"),
    issue(dir, "stranger-ca", "stranger", "DNS:client"),
  ]);
  const pair = (name: string) => ({ cert: `${dir}/${name}.pem`, key: `${dir}/${name}.key` });
  return {
    dir,
    ca: `${dir}/ca.pem`,
    server: pair("server"),
    client: pair("client"),
    otherClient: pair("other-client"),
    stranger: pair("stranger"),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}
