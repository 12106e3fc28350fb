/** Something the bench runs that Deno does not bring, and the Debian package it comes in. */
export interface Requirement {
  name: string;
  /** A shell test that succeeds when it is there. */
  test: string;
  aptPackage: string;
}

/** What the bench needs: Go and grpc-go for the load generator, Node and npm, Python's grpcio. */
export const REQUIREMENTS: readonly Requirement[] = [
  { name: "go", test: "command -v go", aptPackage: "golang-go" },
  {
    name: "grpc-go",
    test: "test -d /usr/share/gocode/src/google.golang.org/grpc",
    aptPackage: "golang-google-grpc-dev",
  },
  { name: "node", test: "command -v node", aptPackage: "nodejs" },
  { name: "npm", test: "command -v npm", aptPackage: "npm" },
  {
    name: "Python grpcio",
    test: "/usr/bin/python3 -c 'import grpc'",
    aptPackage: "python3-grpcio",
  },
  {
    name: "Python grpc_tools",
    test: "/usr/bin/python3 -c 'import grpc_tools.protoc'",
    aptPackage: "python3-grpc-tools",
  },
];

/**
 * The requirements this machine lacks, checked all at once.
 *
 * @example
 * ```ts ignore
 * const missing = await missingRequirements();
 * if (missing.length) console.error(`apt-get install ${missing.map((r) => r.aptPackage).join(" ")}`);
 * ```
 */
export async function missingRequirements(): Promise<Requirement[]> {
  const present = await Promise.all(REQUIREMENTS.map(async ({ test }) => {
    const { success } = await new Deno.Command("/bin/sh", {
      args: ["-c", test],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  }));
  return REQUIREMENTS.filter((_, i) => !present[i]);
}

/** One line saying what is missing and how to install it on Debian. */
export function describeMissing(missing: readonly Requirement[]): string {
  const names = missing.map(({ name }) => name).join(", ");
  const packages = [...new Set(missing.map(({ aptPackage }) => aptPackage))].join(" ");
  return `deno task bench needs ${names}, not found here (on Debian: apt-get install ${packages})`;
}
