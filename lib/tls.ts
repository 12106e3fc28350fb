/**
 * TLS credentials for servers and channels, checked when they are made.
 *
 * @module
 */
import { credentials, ServerCredentials as GrpcServerCredentials } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { clientCaList } from "./deno/client_ca_list.ts";
import { checkClientCertificates } from "./deno/client_certificate_check.ts";
import { applyDenoPatches } from "./deno/patches.ts";
import type { ChannelCredentials, ServerCredentials } from "./grpc_js/grpc_types.ts";

/** PEM text or bytes. */
export type Pem = string | Uint8Array;

const pem = (value: Pem) => Buffer.from(value);

/** A server's TLS identity, and the CA its clients' certificates must come from, if any. */
export interface ServerTlsOptions {
  /** The certificate chain, PEM. */
  cert: Pem;
  /** The private key, PEM. */
  key: Pem;
  /** When set, clients must present a certificate issued by this CA (mutual TLS). */
  clientCa?: Pem;
}

/** TLS options a server cannot serve with; the message says which part is wrong. */
export class TlsOptionsError extends TypeError {
  /** An error saying what is wrong with the options. */
  constructor(message: string) {
    super(message);
    this.name = "TlsOptionsError";
  }
}

function certificate(value: Pem, what: string): X509Certificate {
  try {
    return new X509Certificate(pem(value));
  } catch {
    throw new TlsOptionsError(`${what} is not a PEM certificate`);
  }
}

function privateKey(value: Pem): KeyObject {
  try {
    return createPrivateKey(pem(value));
  } catch {
    throw new TlsOptionsError("the private key is not a PEM private key");
  }
}

/** A certificate and the private key that belongs to it, or a TlsOptionsError. */
function checkPair(cert: Pem, key: Pem): void {
  if (!certificate(cert, "the certificate").checkPrivateKey(privateKey(key))) {
    throw new TlsOptionsError("the private key does not belong to the certificate");
  }
}

/**
 * TLS credentials for a server. The certificate, the key and the client CA
 * are checked here: files that are not PEM, or a key that is not the
 * certificate's, throw a {@linkcode TlsOptionsError} at once, where grpc-js
 * would accept them and then fail every handshake.
 *
 * Without `clientCa`, the server asks for no client certificate, with an
 * empty list of CAs (see `deno/client_ca_list.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serverCredentials, TlsOptionsError } from "./tls.ts";
 * // With real files: serverCredentials({ cert: Deno.readFileSync("server.pem"), key: … })
 * assert.throws(
 *   () => serverCredentials({ cert: "not PEM", key: "not PEM either" }),
 *   new TlsOptionsError("the certificate is not a PEM certificate"),
 * );
 * ```
 */
export function serverCredentials(options: ServerTlsOptions): ServerCredentials {
  const { cert, key, clientCa } = options;
  checkPair(cert, key);
  if (clientCa !== undefined) certificate(clientCa, "the client CA");
  const credentials = GrpcServerCredentials.createSsl(
    clientCaList(clientCa === undefined ? undefined : pem(clientCa)),
    [{ cert_chain: pem(cert), private_key: pem(key) }],
    clientCa !== undefined,
  );
  return clientCa === undefined ? credentials : checkClientCertificates(credentials);
}

/** What a TLS client trusts, and its own certificate for mutual TLS. */
export interface ChannelTlsOptions {
  /** CA certificates to trust, PEM; default: the system's roots. */
  ca?: Pem;
  /** The client's certificate chain, PEM, for servers that require one. */
  cert?: Pem;
  /** The client's private key, PEM. */
  key?: Pem;
}

/**
 * TLS credentials for a channel. Targets may be host names or IP addresses.
 * The CA and the client certificate are checked here: files that are not
 * PEM, or a key that is not the certificate's, throw a
 * {@linkcode TlsOptionsError} at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createChannel } from "./client/client.ts";
 * import { channelCredentials } from "./tls.ts";
 * // Trusting the system's roots; `{ ca: Deno.readFileSync("ca.pem") }` for a CA of your own.
 * const credentials = channelCredentials();
 * assert.equal(credentials._isSecure(), true);
 * const channel = createChannel("localhost:50051", { credentials });
 * channel.close();
 * ```
 */
export function channelCredentials(options: ChannelTlsOptions = {}): ChannelCredentials {
  applyDenoPatches();
  const { ca, cert, key } = options;
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError("a client certificate needs both cert and key");
  }
  // Checked here: grpc-js would fail each connection instead, with "unsupported
  // protocol" for a mismatched key and "not trusted" for a CA that is not PEM.
  if (ca !== undefined) certificate(ca, "the CA");
  if (cert !== undefined && key !== undefined) checkPair(cert, key);
  return credentials.createSsl(
    ca === undefined ? null : pem(ca),
    key === undefined ? null : pem(key),
    cert === undefined ? null : pem(cert),
  );
}
