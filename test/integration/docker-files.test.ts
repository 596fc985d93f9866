/**
 * The deployment files checked as data, on every machine (test/docker/compose.test.ts runs them
 * for real where a Docker engine is, and in CI): the compose
 * file has a service per agent with a restart policy and a real healthcheck, every command is a
 * real `predator` subcommand (its --help runs), the image is multi-stage, non-root, gets the
 * migrations and the production dependencies. And the healthcheck command itself works against
 * a real nats-server: healthy on a running agent's heartbeat, unhealthy on silence.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { AGENT_NAMES } from "../../agents/catalog.ts";
import { heartbeatHealthy } from "../../infra/cli/commands/health.ts";
import { SystemClock } from "../../bus/clock.ts";
import { MessageFactory } from "../../bus/messages.ts";
import { NatsBus } from "../../bus/nats.ts";
import { SystemRng } from "../../bus/rng.ts";
import { passwordEnvOf, passwordEnvs, SYS_PASSWORD_ENV } from "../../infra/nats/permissions.ts";
import { startNatsServer, type NatsServerHandle } from "../harness/nats.ts";

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url).pathname;
const CLI = "infra/cli/predator.js";
const SINGLETONS = ["cro", "execution", "portfolio", "reconciler"];

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  restart?: string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8"), {
  merge: true,
}) as { services: Record<string, Service> };
const services = compose.services;

async function predator(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [join(ROOT, CLI), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The services built from our image: their command runs `predator <command…>`. */
const ours = Object.entries(services).filter(
  ([, s]) => s.build?.dockerfile === "infra/docker/Dockerfile",
);

describe("docker-compose.yml", () => {
  it("has infrastructure, a migration job, the venue and one service per agent", () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(["nats", "postgres", "migrate", "venue-sim", ...AGENT_NAMES]),
    );
    expect(services.migrate?.command).toEqual(["migrate"]);
    expect(services.migrate?.restart).toBe("no");
  });

  for (const name of AGENT_NAMES) {
    it(`runs ${name} with a restart policy, a heartbeat healthcheck and ordered dependencies`, () => {
      const s = services[name];
      expect(s?.command).toEqual(["agent", name]);
      expect(s?.restart).toBe("unless-stopped");
      expect(s?.healthcheck?.test).toEqual(["CMD", "node", CLI, "health", "--agent", name]);
      expect(s?.depends_on).toMatchObject({
        nats: { condition: "service_healthy" },
        postgres: { condition: "service_healthy" },
        migrate: { condition: "service_completed_successfully" },
      });
      // Its own NATS user (infra/nats/): the password variable the server config reads for it.
      expect(s?.environment?.[passwordEnvOf(name)]).toBeTruthy();
      // One server by default; every node of the cluster with infra/nats/cluster.env.
      expect(s?.environment?.NATS_URL).toBe("${PREDATOR_NATS_URL:-nats://nats:4222}");
      expect(s?.environment?.PREDATOR_NATS_REPLICAS).toBe("${PREDATOR_NATS_REPLICAS:-1}");
      expect(s?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      // Scaling a singleton must give a second replica (a hot standby), so no fixed instance.
      if (SINGLETONS.includes(name)) expect(s?.environment?.PREDATOR_INSTANCE).toBeUndefined();
    });
  }

  it("gives the CRO the system account, and the server every user's password", () => {
    expect(services.cro?.environment?.[SYS_PASSWORD_ENV]).toBeTruthy();
    const nats = services.nats;
    expect(nats?.command).toEqual(["-c", "/etc/nats/${PREDATOR_NATS_CONFIG:-nats.conf}"]);
    expect(nats?.volumes).toContain("./infra/nats/nats.conf:/etc/nats/nats.conf:ro");
    for (const env of passwordEnvs()) expect(nats?.environment?.[env], env).toBeTruthy();
    expect(nats?.healthcheck?.test.join(" ")).toContain("8222/healthz");
    const conf = readFileSync(join(ROOT, "infra/nats/nats.conf"), "utf8");
    expect(conf).toMatch(/jetstream/);
    expect(services.postgres?.healthcheck?.test.join(" ")).toContain("pg_isready");
  });

  it("has a profile `cluster`: two more NATS nodes on cluster.conf, which includes nats.conf", () => {
    for (const name of ["nats-2", "nats-3"]) {
      const node = services[name] as (Service & { profiles?: string[] }) | undefined;
      expect(node?.profiles, name).toEqual(["cluster"]);
      expect(node?.command, name).toEqual(["-c", "/etc/nats/cluster.conf"]);
      expect(node?.volumes, name).toContain("./infra/nats/cluster.conf:/etc/nats/cluster.conf:ro");
      expect(node?.environment?.NATS_SERVER_NAME, name).toBe(name);
      for (const env of passwordEnvs()) expect(node?.environment?.[env], env).toBeTruthy();
    }
    const conf = readFileSync(join(ROOT, "infra/nats/cluster.conf"), "utf8");
    expect(conf).toMatch(/^include \.\/nats\.conf$/m);
    for (const host of ["nats", "nats-2", "nats-3"])
      expect(conf).toContain(`nats-route://${host}:6222`);
    const env = readFileSync(join(ROOT, "infra/nats/cluster.env"), "utf8");
    expect(env).toMatch(/^PREDATOR_NATS_CONFIG=cluster\.conf$/m);
    expect(env).toMatch(
      /^PREDATOR_NATS_URL=nats:\/\/nats:4222,nats:\/\/nats-2:4222,nats:\/\/nats-3:4222$/m,
    );
    expect(env).toMatch(/^PREDATOR_NATS_REPLICAS=3$/m);
  });

  it("uses only real predator subcommands and agent names (each --help runs)", async () => {
    const commands = new Set<string>();
    for (const [name, s] of ours) {
      expect(s.image, name).toBe("predator:latest");
      const command = s.command ?? [];
      expect(command.length, name).toBeGreaterThan(0);
      commands.add(command[0] ?? "");
      if (command[0] === "agent") expect(AGENT_NAMES).toContain(command[1]);
      const check = s.healthcheck?.test;
      if (check !== undefined) {
        expect(check.slice(0, 3)).toEqual(["CMD", "node", CLI]);
        commands.add(check[3] ?? "");
      }
    }
    expect([...commands].sort()).toEqual(["agent", "health", "migrate", "venue-sim"]);
    expect(existsSync(join(ROOT, CLI))).toBe(true);
    const helps = await Promise.all([...commands].map((c) => predator([c, "--help"])));
    for (const [i, c] of [...commands].entries()) {
      expect(helps[i]?.code, `predator ${c} --help: ${helps[i]?.stderr}`).toBe(0);
      expect(helps[i]?.stdout).toContain(`Usage: predator ${c}`);
    }
  }, 60_000);
});

describe("infra/docker/Dockerfile", () => {
  const text = readFileSync(join(ROOT, "infra/docker/Dockerfile"), "utf8");
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push([line]);
    else stages[stages.length - 1]?.push(line);
  }
  const runtime = stages[stages.length - 1] ?? [];

  it("is multi-stage: npm ci in a build stage, production dependencies only in the runtime", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages[0] ?? [];
    expect(build[0]).toMatch(/^FROM node:24\S* AS build$/i);
    expect(build.some((l) => /^RUN npm ci\b/.test(l))).toBe(true);
    expect(build.some((l) => /npm prune --omit=dev/.test(l))).toBe(true);
    // The runtime is Debian slim with the build stage's Node 24 binary: no npm, no yarn.
    expect(runtime[0]).toMatch(/^FROM debian:bookworm-slim\b/i);
    expect(runtime).toContain("COPY --from=build /usr/local/bin/node /usr/local/bin/node");
    expect(runtime).toContain("COPY --from=build /app/node_modules ./node_modules");
    expect(runtime.some((l) => /npm (ci|install)/.test(l))).toBe(false);
  });

  it("builds the console and the report script once in the build stage and ships them", () => {
    const build = stages[0] ?? [];
    expect(build).toContain("COPY dashboard ./dashboard");
    expect(build).toContain("RUN npm run dashboard:build");
    expect(build.join(" ")).toContain("cp -r dashboard/dist dist/dashboard/dist");
    expect(build.join(" ")).toContain("node dist/infra/report/prebuild.js");
  });

  it("compiles the sources once in the build and ships the JavaScript and the migrations", () => {
    const build = stages[0] ?? [];
    for (const dir of ["contracts", "bus", "agents", "infra"]) {
      expect(build).toContain(`COPY ${dir} ./${dir}`);
      expect(existsSync(join(ROOT, dir))).toBe(true);
    }
    const compile = build.find((l) =>
      l.startsWith("RUN npx tsc -p infra/docker/tsconfig.build.json"),
    );
    expect(compile).toBeDefined();
    expect(build.join(" ")).toContain("cp -r infra/migrations dist/infra/migrations");
    expect(build.join(" ")).toContain("cp infra/cli/predator.js dist/infra/cli/predator.js");
    expect(runtime).toContain("COPY --from=build /app/dist ./");
    expect(readdirSync(join(ROOT, "infra/migrations")).some((f) => f.endsWith(".sql"))).toBe(true);
    // The build context keeps them: .dockerignore must not drop what the image copies.
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    for (const kept of ["agents", "bus", "contracts", "infra", "infra/migrations", "package.json"])
      expect(ignored).not.toContain(kept);
    // Every COPY source of the build stage exists in the repository.
    for (const line of stages[0] ?? []) {
      const m = /^COPY\s+(.+)\s+\S+$/.exec(line);
      for (const src of m?.[1]?.split(/\s+/) ?? [])
        expect(existsSync(join(ROOT, src)), src).toBe(true);
    }
  });

  it("runs as a non-root user, with the predator CLI as its entry point", () => {
    const users = runtime.filter((l) => /^USER\s/.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^USER\s+(root|0)(:|$)/);
    expect(runtime).toContain('ENTRYPOINT ["node", "infra/cli/predator.js"]');
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin.predator).toBe(CLI);
  });
});

describe("predator health (the containers' healthcheck)", () => {
  let nats: NatsServerHandle;
  let bus: NatsBus;
  let timer: NodeJS.Timeout | null = null;

  beforeAll(async () => {
    nats = await startNatsServer();
    const clock = new SystemClock();
    bus = await NatsBus.connect({ servers: nats.url, name: "cro.hc1", clock });
    const rng = new SystemRng();
    const factories = {
      hc1: new MessageFactory(clock, rng, { agent: "cro", instance: "hc1" }),
      hc2: new MessageFactory(clock, rng, { agent: "cro", instance: "hc2" }),
    };
    let seq = 0;
    const beat = (lifecycle: "running" | "starting", instance: "hc1" | "hc2", leader: boolean) =>
      bus.publish(
        factories[instance].make("hb", {
          agent: "cro",
          instance,
          seq: seq++,
          lifecycle,
          leader,
          pid: process.pid,
          startedAt: clock.now(),
          mailboxDepth: 0,
          intervalMs: 100,
        }),
      );
    timer = setInterval(() => {
      void beat("running", "hc1", true);
      void beat("starting", "hc2", false);
    }, 100);
  });

  afterAll(async () => {
    if (timer !== null) clearInterval(timer);
    await bus.close();
    await nats.stop();
  });

  it("exits 0 on a running agent's heartbeat or a waiting standby, 1 on silence, 2 on bad input", async () => {
    const env = { NATS_URL: nats.url };
    const [leader, standby, silent, down, bad] = await Promise.all([
      predator(["health", "--agent", "cro", "--instance", "hc1", "--json"], env),
      predator(["health", "--agent", "cro", "--instance", "hc2"], env),
      predator(["health", "--agent", "portfolio", "--timeout-ms", "500"], env),
      predator(["health", "--agent", "cro", "--timeout-ms", "500"], {
        NATS_URL: "nats://127.0.0.1:1",
      }),
      predator(["health", "--agent", "wizard"], env),
    ]);
    expect(leader.code, leader.stderr).toBe(0);
    expect(JSON.parse(leader.stdout)).toMatchObject({ healthy: true, lifecycle: "running" });
    expect(standby.code, standby.stderr).toBe(0);
    expect(standby.stdout).toContain("standby");
    expect(silent.code).toBe(1);
    expect(silent.stdout).toContain("no heartbeat from portfolio within 500 ms");
    expect(down.code).toBe(1);
    expect(down.stdout).toContain("NATS unreachable");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown agent "wizard"');
  }, 60_000);

  it("counts only a running actor or a waiting standby as healthy", () => {
    expect(heartbeatHealthy({ lifecycle: "running", leader: null })).toBe(true);
    expect(heartbeatHealthy({ lifecycle: "starting", leader: false })).toBe(true);
    expect(heartbeatHealthy({ lifecycle: "starting", leader: null })).toBe(false);
    expect(heartbeatHealthy({ lifecycle: "stopping", leader: true })).toBe(false);
    expect(heartbeatHealthy({ lifecycle: "stopped", leader: null })).toBe(false);
  });
});
