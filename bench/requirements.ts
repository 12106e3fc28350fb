/** Something the bench runs that Deno does not bring, and the Debian package it comes in. */
export interface Requirement {
  name: string;
  /** A shell command that succeeds when it is there. */
  shellCheck: string;
  aptPackage: string;
}

/**
 * What the bench needs: Go and grpc-go for the load generator and grpc-go's
 * server, Node and npm, Python's grpcio, and redis-server for the Redis store.
 */
export const REQUIREMENTS: readonly Requirement[] = [
  { name: "go", shellCheck: "command -v go", aptPackage: "golang-go" },
  {
    name: "grpc-go",
    shellCheck: "test -d /usr/share/gocode/src/google.golang.org/grpc",
    aptPackage: "golang-google-grpc-dev",
  },
  { name: "node", shellCheck: "command -v node", aptPackage: "nodejs" },
  { name: "redis-server", shellCheck: "command -v redis-server", aptPackage: "redis-server" },
  { name: "npm", shellCheck: "command -v npm", aptPackage: "npm" },
  {
    name: "Python grpcio",
    shellCheck: "/usr/bin/python3 -c 'import grpc'",
    aptPackage: "python3-grpcio",
  },
  {
    name: "Python grpc_tools",
    shellCheck: "/usr/bin/python3 -c 'import grpc_tools.protoc'",
    aptPackage: "python3-grpc-tools",
  },
];

/**
 * The requirements this machine lacks, checked all at once.
 *
 * @example
 * ```ts ignore
 * const missing = await missingRequirements();
 * if (missing.length > 0) console.error(describeMissing(missing));
 * ```
 */
export async function missingRequirements(): Promise<Requirement[]> {
  const present = await Promise.all(REQUIREMENTS.map(async ({ shellCheck }) => {
    const { success } = await new Deno.Command("/bin/sh", {
      args: ["-c", shellCheck],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  }));
  return REQUIREMENTS.filter((_, i) => !present[i]);
}

/**
 * One line saying what is missing and how to install it on Debian.
 *
 * @example
 * ```ts
 * import { describeMissing, REQUIREMENTS } from "./requirements.ts";
 * describeMissing(REQUIREMENTS.filter(({ name }) => name === "go"));
 * // "deno task bench needs go, not found here (on Debian: apt-get install golang-go)"
 * ```
 */
export function describeMissing(missing: readonly Requirement[]): string {
  const names = missing.map(({ name }) => name).join(", ");
  const packages = [...new Set(missing.map(({ aptPackage }) => aptPackage))].join(" ");
  return `deno task bench needs ${names}, not found here (on Debian: apt-get install ${packages})`;
}
