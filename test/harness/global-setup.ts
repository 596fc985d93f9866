/**
 * vitest globalSetup: one PostgreSQL server for the whole run, shared as `inject("pgUrl")`.
 * TEST_DATABASE_URL (or DATABASE_URL) wins when set; otherwise the service switch
 * (test/harness/services.ts) picks a PostgreSQL container (testcontainers' PostgreSQL module) or
 * a private server from the machine's binaries, stopped at teardown. If neither works the run
 * fails, with a message that says what to do: integration tests are never skipped silently (and
 * under CI=true a missing service is a failure by rule).
 */
import type { TestProject } from "vitest/node";
import { startPostgresServer, type PostgresServer } from "./postgres.ts";
import { POSTGRES_IMAGE, serviceBackend } from "./services.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Which way the harness got its services: `binaries` or `containers`. */
    serviceBackend: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const backend = await serviceBackend();
  project.provide("serviceBackend", backend);
  if (external !== undefined && external !== "") {
    project.provide("pgUrl", external);
    return () => Promise.resolve();
  }
  if (backend === "containers") {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
      .withUsername("postgres")
      .withPassword("postgres")
      .withDatabase("postgres")
      .start();
    project.provide("pgUrl", container.getConnectionUri());
    return async () => {
      await container.stop();
    };
  }
  let server: PostgresServer;
  try {
    server = await startPostgresServer();
  } catch (err) {
    const ci = process.env.CI === "true" ? " (CI=true: a missing service is a failure)" : "";
    throw new Error(
      `global-setup: could not start a private PostgreSQL${ci}. Install PostgreSQL ` +
        `(apt-get install postgresql), set PG_BIN, or set TEST_DATABASE_URL. Cause: ${String(err)}`,
      { cause: err },
    );
  }
  project.provide("pgUrl", server.url);
  return () => server.destroy();
}
