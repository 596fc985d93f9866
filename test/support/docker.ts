/**
 * The real Docker engine, driven the way an operator drives it: the `docker` CLI and the compose
 * file as shipped (`docker compose` where the plugin exists, else `docker-compose` v1). A test
 * that needs it asks `dockerAvailability()` first: without an engine it skips with the reason,
 * except under CI=true, where CI provides the engine (.ci/docker-images) and a missing one fails.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url).pathname;
const CLI_TIMEOUT_MS = 300_000;
/** docker-compose v1 (Python) takes seconds to start on a loaded machine. */
const PROBE_TIMEOUT_MS = 60_000;
/** The images docker-compose.yml names; .ci/docker-images builds them where no registry is. */
export const COMPOSE_IMAGES = ["predator:latest", "nats:2.10-alpine", "postgres:15"] as const;

export interface Availability {
  ok: boolean;
  /** Why not, for the skip message. */
  reason: string;
  /** `["docker", "compose"]` or `["docker-compose"]`. */
  compose: string[];
}

async function succeeds(file: string, args: string[]): Promise<boolean> {
  try {
    await run(file, args, { timeout: PROBE_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

export async function dockerAvailability(
  images: readonly string[] = COMPOSE_IMAGES,
): Promise<Availability> {
  if (!(await succeeds("docker", ["info"]))) {
    return { ok: false, reason: "no Docker engine answers `docker info`", compose: [] };
  }
  let compose: string[];
  if (await succeeds("docker", ["compose", "version"])) compose = ["docker", "compose"];
  else if (await succeeds("docker-compose", ["version"])) compose = ["docker-compose"];
  else return { ok: false, reason: "neither `docker compose` nor `docker-compose`", compose: [] };
  for (const image of images) {
    if (!(await succeeds("docker", ["image", "inspect", image]))) {
      return {
        ok: false,
        reason: `image ${image} is missing (build it: bash .ci/docker-images)`,
        compose,
      };
    }
  }
  return { ok: true, reason: "", compose };
}

/** Skip locally, fail under CI=true: CI must have prepared the engine. */
export function requireUnderCi(a: Availability): void {
  if (!a.ok && process.env.CI === "true") {
    throw new Error(
      `CI=true but Docker is not usable: ${a.reason} (.ci/run calls .ci/docker-images)`,
    );
  }
}

export async function docker(args: string[], timeoutMs = CLI_TIMEOUT_MS): Promise<string> {
  const { stdout } = await run("docker", args, { timeout: timeoutMs, maxBuffer: 64 << 20 });
  return stdout.trim();
}

/** A container's output, stdout and stderr (pino writes its JSON lines to either). */
export async function dockerLogs(id: string): Promise<string> {
  const { stdout, stderr } = await run("docker", ["logs", id], {
    timeout: CLI_TIMEOUT_MS,
    maxBuffer: 256 << 20,
  });
  return `${stdout}\n${stderr}`;
}

/** One compose project: the shipped file, a project name of its own, the CLI the machine has. */
export class ComposeProject {
  /** `globalArgs` go before the subcommand: `--env-file F`, `--profile P`. */
  constructor(
    readonly name: string,
    private readonly command: string[],
    private readonly globalArgs: string[] = [],
  ) {}

  async run(args: string[], timeoutMs = CLI_TIMEOUT_MS): Promise<string> {
    const [file, ...pre] = this.command;
    if (file === undefined) throw new Error("no compose command");
    try {
      const { stdout } = await run(
        file,
        [...pre, "-p", this.name, "-f", `${ROOT}docker-compose.yml`, ...this.globalArgs, ...args],
        {
          cwd: ROOT,
          timeout: timeoutMs,
          maxBuffer: 64 << 20,
        },
      );
      return stdout.trim();
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`compose ${args.join(" ")} failed: ${e.message}\n${e.stderr ?? ""}`, {
        cause: error,
      });
    }
  }

  /** Container ids of a service (running or not), by the compose labels. */
  async containers(service: string): Promise<string[]> {
    const out = await docker([
      "ps",
      "-aq",
      "--no-trunc",
      "--filter",
      `label=com.docker.compose.project=${this.name}`,
      "--filter",
      `label=com.docker.compose.service=${service}`,
    ]);
    return out === "" ? [] : out.split("\n");
  }

  async container(service: string): Promise<string> {
    const ids = await this.containers(service);
    if (ids.length !== 1 || ids[0] === undefined) {
      throw new Error(`expected one ${service} container, found ${ids.length}`);
    }
    return ids[0];
  }

  get network(): string {
    return `${this.name}_default`;
  }
}

/**
 * Waits until every container of `services` runs and is healthy (or has no healthcheck); on
 * timeout the error lists the ones that were not.
 */
export async function waitHealthy(
  project: ComposeProject,
  services: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const notHealthy = async () => {
    const out: string[] = [];
    for (const service of services) {
      const ids = await project.containers(service);
      if (ids.length === 0) out.push(`${service}: no container`);
      for (const id of ids) {
        const s = await inspect(id);
        if (!s.running || (s.health !== "healthy" && s.health !== "none")) {
          out.push(`${service}: ${s.running ? s.health : "not running"}`);
        }
      }
    }
    return out;
  };
  await until(
    `${services.join(", ")} healthy`,
    async () => ((await notHealthy()).length === 0 ? true : undefined),
    timeoutMs,
    1000,
  ).catch(async (error: unknown) => {
    throw new Error(`${String(error)}; not healthy: ${(await notHealthy()).join("; ")}`, {
      cause: error,
    });
  });
}

export interface ContainerState {
  pid: number;
  running: boolean;
  health: string;
  restartCount: number;
  hostname: string;
}

export async function inspect(id: string): Promise<ContainerState> {
  const out = await docker([
    "inspect",
    "-f",
    "{{.State.Pid}}|{{.State.Running}}|{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}|{{.RestartCount}}|{{.Config.Hostname}}",
    id,
  ]);
  const [pid, running, health, restarts, hostname] = out.split("|");
  return {
    pid: Number(pid),
    running: running === "true",
    health: health ?? "",
    restartCount: Number(restarts),
    hostname: hostname ?? "",
  };
}

/** Polls `probe` until it returns a value, at most `timeoutMs`; the error names what was awaited. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  pollMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export interface TapEvent {
  kind: string;
  text: string;
  detail: Record<string, unknown>;
  /** When this process read the line (ms since the epoch). */
  at: number;
}

/**
 * `predator events --follow --json` in a throwaway container on the project's network, with the
 * operator's NATS user: the trading-state changes, decisions and fills as they happen.
 */
export class EventTap {
  readonly events: TapEvent[] = [];
  private readonly child: ChildProcess;
  private stderr = "";

  constructor(
    network: string,
    natsUrl = "nats://nats:4222",
    image = "predator:latest",
    opsPassword = "dev-ops",
  ) {
    this.child = spawn(
      "docker",
      [
        "run",
        "--rm",
        "-i",
        "--network",
        network,
        "-e",
        `NATS_URL=${natsUrl}`,
        "-e",
        "PREDATOR_NATS_PASSWORD_OPS",
        image,
        "events",
        "--follow",
        "--json",
      ],
      {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, PREDATOR_NATS_PASSWORD_OPS: opsPassword },
      },
    );
    let buffered = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      const at = Date.now();
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        const e = JSON.parse(line) as Omit<TapEvent, "at">;
        this.events.push({ ...e, at });
      }
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
  }

  states(since = 0): TapEvent[] {
    return this.events.filter((e) => e.kind === "state" && e.at >= since);
  }

  async waitFor(
    what: string,
    predicate: (e: TapEvent) => boolean,
    options: { since: number; timeoutMs: number },
  ): Promise<TapEvent> {
    return until(
      what,
      () => Promise.resolve(this.events.find((e) => e.at >= options.since && predicate(e))),
      options.timeoutMs,
      50,
    ).catch((error: unknown) => {
      const seen = this.states(options.since)
        .map((e) => e.text)
        .join(" | ");
      throw new Error(`${String(error)}; states seen: ${seen}; tap stderr: ${this.stderr}`, {
        cause: error,
      });
    });
  }

  close(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => {
        resolve();
      });
      this.child.stdin?.end();
      this.child.kill("SIGTERM");
    });
  }
}
