/**
 * The harness's service switch (test/harness/services.ts): the run gets the backend
 * PREDATOR_TEST_SERVICES asks for, and on `containers` the services really are containers of the
 * compose file's images. The service tests themselves (bus, store, migrations) run unchanged on
 * either; CI runs them once on each (.ci/run).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrate } from "../../infra/store/migrate.ts";
import { startNatsServer, type NatsServerHandle } from "../harness/nats.ts";
import { createTestDatabase } from "../harness/postgres.ts";
import { NATS_IMAGE, POSTGRES_IMAGE } from "../harness/services.ts";

const run = promisify(execFile);
const wanted = process.env.PREDATOR_TEST_SERVICES;
const backend = inject("serviceBackend");

async function containersOf(image: string): Promise<string[]> {
  const { stdout } = await run("docker", ["ps", "-q", "--filter", `ancestor=${image}`], {
    timeout: 10_000,
  });
  return stdout.split("\n").filter((id) => id !== "");
}

async function portsOf(id: string): Promise<string> {
  const { stdout } = await run("docker", ["port", id], { timeout: 10_000 });
  return stdout;
}

describe(`the service switch (backend: ${backend})`, () => {
  const servers: NatsServerHandle[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it.runIf(wanted === "binaries" || wanted === "containers")(
    "gives the backend PREDATOR_TEST_SERVICES names",
    () => {
      expect(backend).toBe(wanted);
    },
  );

  it("PostgreSQL: a test database takes the migrations and answers", async () => {
    const db = await createTestDatabase();
    try {
      expect(await migrate(db.url)).not.toEqual([]);
      const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>("select count(*) as n from fills");
        expect(rows[0]?.n).toBe("0");
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
    }
  });

  it.runIf(backend === "containers")(
    "on containers: PostgreSQL and NATS run in containers of the compose file's images",
    async () => {
      const nats = await startNatsServer();
      servers.push(nats);
      const pgPort = new URL(inject("pgUrl")).port;
      const natsPort = new URL(nats.url).port;
      const pgPorts = await Promise.all((await containersOf(POSTGRES_IMAGE)).map(portsOf));
      const natsPorts = await Promise.all((await containersOf(NATS_IMAGE)).map(portsOf));
      expect(pgPorts.some((p) => p.includes(`:${pgPort}`))).toBe(true);
      expect(natsPorts.some((p) => p.includes(`:${natsPort}`))).toBe(true);
    },
  );
});
