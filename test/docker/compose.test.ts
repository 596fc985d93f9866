/**
 * docker-compose.yml as shipped, on a real engine: every command of the README's Docker section.
 * up -d → every service healthy → the CRO ACTIVE and trading (paper) → kill -9 of each agent's
 * process from the host (a crash or the OOM killer: Docker's restart policy applies, unlike
 * `docker compose kill`) → trading leaves ACTIVE within the bound of `predator up` → Docker
 * restarts the container → ACTIVE; `restart cro`; `--scale strategy=2`; `--scale cro=2` and a
 * kill of the leader → the standby takes over under a new epoch; `down` then `up -d` keeps the
 * PostgreSQL and JetStream volumes. Without an engine it skips, saying why; under CI=true it runs.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_NAMES } from "../../agents/catalog.ts";
import {
  ComposeProject,
  EventTap,
  dockerAvailability,
  docker,
  dockerLogs,
  inspect,
  requireUnderCi,
  until,
  waitHealthy,
} from "../support/docker.ts";

const availability = await dockerAvailability();
requireUnderCi(availability);
if (!availability.ok) {
  process.stderr.write(`test/docker/compose.test.ts skipped: ${availability.reason}\n`);
}

/** Bounds. LEAVE_ACTIVE_MS is the one test/integration/recovery-kill.test.ts holds `predator up` to. */
const HEALTHY_MS = 300_000;
const FIRST_ACTIVE_MS = 120_000;
/** The canary trades once in each 15-minute window of the simulated venue: one window and a margin. */
const FIRST_FILL_MS = 16 * 60_000;
const LEAVE_ACTIVE_MS = 10_000;
const RESTART_MS = 30_000;
const BACK_ACTIVE_MS = 60_000;
const CASE_MS = 150_000;
const SERVICES = ["nats", "postgres", "venue-sim", ...AGENT_NAMES];

interface Timing {
  case: string;
  /** kill → the first state other than ACTIVE naming the agent. */
  notActiveMs: number | null;
  /** kill → Docker has restarted the container. */
  restartedMs: number;
  /** container start → the agent logs "running" (its actor started; heartbeats from then on). */
  startToRunningMs?: number;
  /** kill → ACTIVE again. */
  activeMs: number;
}
const timings: Timing[] = [];

describe.skipIf(!availability.ok)(
  `docker compose, as shipped${availability.ok ? "" : ` (skipped: ${availability.reason})`}`,
  () => {
    const project = new ComposeProject(
      `predator-e2e-${randomBytes(3).toString("hex")}`,
      availability.compose,
    );
    let tap: EventTap;

    const psql = async (sql: string) =>
      (
        await docker([
          "exec",
          await project.container("postgres"),
          "psql",
          "-U",
          "predator",
          "-d",
          "predator",
          "-Atc",
          sql,
        ])
      ).trim();

    const activeSince = (since: number, timeoutMs: number) =>
      tap.waitFor("ACTIVE", (e) => e.kind === "state" && e.detail.state === "ACTIVE", {
        since,
        timeoutMs,
      });

    /** kill -9 of the container's main process from the host: the restart policy applies. */
    const killProcess = async (id: string) => {
      const before = await inspect(id);
      process.kill(before.pid, "SIGKILL");
      return { killedAt: Date.now(), before };
    };

    const waitRestarted = (id: string, restartCount: number) =>
      until(
        `container ${id.slice(0, 12)} restarted by Docker`,
        async () => {
          const s = await inspect(id);
          return s.running && s.restartCount > restartCount ? Date.now() : undefined;
        },
        RESTART_MS,
        100,
      );

    /** When the stack was first started: the first fill is due within FIRST_FILL_MS of it. */
    let upAt = 0;

    beforeAll(async () => {
      await project.run(["config", "-q"]);
      const t0 = Date.now();
      upAt = t0;
      await project.run(["up", "-d"]);
      await waitHealthy(project, SERVICES, HEALTHY_MS);
      process.stderr.write(`docker: up -d → all healthy in ${Date.now() - t0} ms\n`);
      tap = new EventTap(project.network);
    }, HEALTHY_MS + 120_000);

    afterAll(async () => {
      process.stderr.write(`docker timings (ms): ${JSON.stringify(timings)}\n`);
      await (tap as EventTap | undefined)?.close();
      await project.run(["down", "-v", "--remove-orphans"], 120_000);
    }, 150_000);

    it(
      "lists every service healthy in `ps`, runs non-root compiled code, and the CRO goes ACTIVE",
      async () => {
        const ps = await project.run(["ps"]);
        for (const service of SERVICES) expect(ps).toContain(service);
        const cro = await project.container("cro");
        expect(await docker(["exec", cro, "id", "-u"])).not.toBe("0");
        // The image runs the JavaScript its build compiled: no TypeScript is compiled on start.
        expect(await docker(["exec", cro, "ls", "infra/cli"])).toMatch(/^cli\.js$/m);
        expect(await docker(["exec", cro, "ls", "infra/cli"])).not.toMatch(/\.ts$/m);
        // The console is built in the image (served as it is, never built at run time), the
        // report script prebuilt; the compiler, esbuild, React and npm are not shipped.
        expect(
          await docker([
            "exec",
            cro,
            "node",
            "--input-type=module",
            "-e",
            `const b = await import("/app/infra/app/console/build.js");
             const r = await import("/app/infra/report/bundle.js");
             const dir = b.ensureDashboardBuilt(() => { throw new Error("would build"); });
             const script = await r.reportScript();
             console.log(dir, script.length > 100_000);`,
          ]),
        ).toBe("/app/dashboard/dist true");
        expect(await docker(["exec", cro, "ls", "node_modules"])).not.toMatch(
          /^(esbuild|tsx|typescript|react|recharts)$/m,
        );
        expect(await docker(["exec", cro, "sh", "-c", "command -v npm || echo none"])).toBe("none");
        await activeSince(0, FIRST_ACTIVE_MS);
        // The first paper fill comes at the canary's moment in a 15-minute window: the cases
        // below run meanwhile, and the `down`/`up` case waits for it (paperFill).
      },
      FIRST_ACTIVE_MS,
    );

    for (const agent of AGENT_NAMES.filter((a) => a !== "cro")) {
      it(
        `${agent}: kill -9 of its process → not ACTIVE naming it → Docker restarts it → ACTIVE`,
        async () => {
          await activeSince(0, BACK_ACTIVE_MS);
          const id = await project.container(agent);
          const { killedAt, before } = await killProcess(id);
          const left = await tap.waitFor(
            `not ACTIVE naming ${agent}`,
            (e) => e.kind === "state" && e.detail.state !== "ACTIVE" && e.text.includes(agent),
            { since: killedAt, timeoutMs: LEAVE_ACTIVE_MS },
          );
          const restartedAt = await waitRestarted(id, before.restartCount);
          const back = await activeSince(left.at, BACK_ACTIVE_MS);
          timings.push({
            case: agent,
            notActiveMs: left.at - killedAt,
            restartedMs: restartedAt - killedAt,
            startToRunningMs: await startToRunning(id),
            activeMs: back.at - killedAt,
          });
        },
        CASE_MS,
      );
    }

    it(
      "cro: kill -9 of its process → Docker restarts it → a new CRO goes ACTIVE",
      async () => {
        await activeSince(0, BACK_ACTIVE_MS);
        const id = await project.container("cro");
        const epoch = Number(await psql("select epoch from agent_leases where name = 'cro'"));
        const { killedAt, before } = await killProcess(id);
        const restartedAt = await waitRestarted(id, before.restartCount);
        const back = await tap.waitFor(
          "ACTIVE under a new epoch",
          (e) =>
            e.kind === "state" && e.detail.state === "ACTIVE" && Number(e.detail.epoch) > epoch,
          { since: killedAt, timeoutMs: BACK_ACTIVE_MS },
        );
        timings.push({
          case: "cro",
          notActiveMs: null,
          restartedMs: restartedAt - killedAt,
          startToRunningMs: await startToRunning(id),
          activeMs: back.at - killedAt,
        });
      },
      CASE_MS,
    );

    it(
      "`docker compose kill -s KILL execution` is a manual stop: no restart until `start`",
      async () => {
        await activeSince(0, BACK_ACTIVE_MS);
        const id = await project.container("execution");
        const before = await inspect(id);
        const killedAt = Date.now();
        await project.run(["kill", "-s", "KILL", "execution"]);
        await tap.waitFor(
          "not ACTIVE naming execution",
          (e) => e.kind === "state" && e.detail.state !== "ACTIVE" && e.text.includes("execution"),
          { since: killedAt, timeoutMs: LEAVE_ACTIVE_MS },
        );
        // A crash is restarted well within this bound (the cases above); this one must not be.
        await expect(waitRestarted(id, before.restartCount)).rejects.toThrow(/timed out/);
        expect((await inspect(id)).running).toBe(false);
        const t0 = Date.now();
        await project.run(["start", "execution"]);
        await activeSince(t0, BACK_ACTIVE_MS);
      },
      CASE_MS,
    );

    it(
      "`restart cro`: the CRO comes back ACTIVE",
      async () => {
        await activeSince(0, BACK_ACTIVE_MS);
        const t0 = Date.now();
        await project.run(["restart", "cro"]);
        const back = await activeSince(t0, BACK_ACTIVE_MS);
        timings.push({
          case: "restart cro",
          notActiveMs: null,
          restartedMs: 0,
          activeMs: back.at - t0,
        });
      },
      CASE_MS,
    );

    it(
      "`up -d --scale strategy=2`: both heartbeat (healthy), no intent is decided twice",
      async () => {
        await project.run(["up", "-d", "--scale", "strategy=2"]);
        await until(
          "two healthy strategies",
          async () => {
            const ids = await project.containers("strategy");
            return ids.length === 2 ? true : undefined;
          },
          HEALTHY_MS,
          1000,
        );
        await waitHealthy(project, ["strategy"], HEALTHY_MS);
        // Decisions come at the strategies' moments in the 15-minute windows, so none may fall
        // in this case: every decision seen so far is checked, and so are PostgreSQL's orders.
        const keys = tap.events.filter((e) => e.kind === "decision").map((e) => e.text);
        expect(new Set(keys).size).toBe(keys.length);
        expect(
          await psql(
            `select window_id, strategy, token_id from orders where kind = 'ENTRY'
             group by 1, 2, 3 having count(*) > 1`,
          ),
        ).toBe("");
        await project.run(["up", "-d", "--scale", "strategy=1"]);
      },
      CASE_MS + HEALTHY_MS,
    );

    it(
      "`up -d --scale cro=2` + kill of the leader: the standby takes over under a new epoch",
      async () => {
        await project.run(["up", "-d", "--scale", "cro=2"]);
        await until(
          "two healthy CROs",
          async () => {
            const ids = await project.containers("cro");
            return ids.length === 2 ? true : undefined;
          },
          HEALTHY_MS,
          1000,
        );
        await waitHealthy(project, ["cro"], HEALTHY_MS);
        await activeSince(0, BACK_ACTIVE_MS);
        const [holder, epoch] = (
          await psql("select holder, epoch from agent_leases where name = 'cro'")
        ).split("|");
        const ids = await project.containers("cro");
        const states = await Promise.all(ids.map(async (id) => ({ id, ...(await inspect(id)) })));
        const leader = states.find((s) => holder?.includes(s.hostname) === true);
        const standby = states.find((s) => s !== leader);
        expect(leader).toBeDefined();
        expect(standby).toBeDefined();
        if (leader === undefined || standby === undefined) return;
        // The leader must stay down, or its restart could race the standby for the lease: this
        // case is about the standby. (A crash with the policy on is the case above.)
        await docker(["update", "--restart=no", leader.id]);
        const { killedAt } = await killProcess(leader.id);
        const back = await tap.waitFor(
          "ACTIVE under a new epoch",
          (e) =>
            e.kind === "state" &&
            e.detail.state === "ACTIVE" &&
            Number(e.detail.epoch) > Number(epoch),
          { since: killedAt, timeoutMs: BACK_ACTIVE_MS },
        );
        const newHolder = await psql("select holder from agent_leases where name = 'cro'");
        expect(newHolder).toContain(standby.hostname);
        timings.push({
          case: "cro standby takeover",
          notActiveMs: null,
          restartedMs: 0,
          activeMs: back.at - killedAt,
        });
        await docker(["update", "--restart=unless-stopped", leader.id]);
        await project.run(["up", "-d", "--scale", "cro=1"]);
      },
      CASE_MS + HEALTHY_MS,
    );

    it(
      "`down` then `up -d`: fills, positions and the JetStream streams survive in their volumes; the books are checked against the venue before trading",
      async () => {
        await paperFill();
        const fills = await psql("select trade_id from fills order by trade_id");
        const positions = await psql("select count(*) from positions");
        const jsBefore = await streamMessages();
        expect(fills).not.toBe("");
        await tap.close();
        await project.run(["down"], 120_000);
        // What the books hold open when the stack goes down (nothing trades while it is down).
        const open = await openInBooks();
        await project.run(["up", "-d"]);
        const againAt = Date.now();
        await waitHealthy(project, SERVICES, HEALTHY_MS);
        tap = new EventTap(project.network);
        const after = await psql("select trade_id from fills order by trade_id");
        for (const id of fills.split("\n")) expect(after.split("\n")).toContain(id);
        expect(Number(await psql("select count(*) from positions"))).toBeGreaterThanOrEqual(
          Number(positions),
        );
        const jsAfter = await streamMessages();
        for (const [stream, last] of Object.entries(jsBefore)) {
          expect(jsAfter[stream] ?? 0).toBeGreaterThanOrEqual(last);
        }
        if (open === "") {
          await activeSince(againAt, FIRST_ACTIVE_MS);
        } else {
          // The simulated venue keeps its account in memory, so the new one holds none of what
          // the books hold open (a real venue keeps it). The reconciler must find that and the
          // CRO must stay out of ACTIVE: it never trades on books the venue contradicts.
          const halted = await tap.waitFor(
            "the CRO held out of ACTIVE by a reconciliation mismatch",
            (e) => e.kind === "state" && e.text.includes("reconciliation mismatch"),
            { since: 0, timeoutMs: FIRST_ACTIVE_MS },
          );
          expect(halted.detail.state).not.toBe("ACTIVE");
          expect(tap.states(0).some((e) => e.detail.state === "ACTIVE")).toBe(false);
          process.stderr.write(`docker: after down/up with ${open} open: ${halted.text}\n`);
        }
      },
      FIRST_FILL_MS + HEALTHY_MS + FIRST_ACTIVE_MS + 120_000,
    );

    /** Trading in paper: a fill in PostgreSQL (the first can come before the tap listens). */
    async function paperFill(): Promise<void> {
      await until(
        "a paper fill",
        async () =>
          Number(await psql("select count(*) from fills where mode = 'PAPER'")) > 0
            ? true
            : undefined,
        Math.max(0, upAt + FIRST_FILL_MS - Date.now()),
        1000,
      );
    }

    /** The books' open positions and resting or in-flight orders, one per line ("" when none). */
    async function openInBooks(): Promise<string> {
      // PostgreSQL is down with the rest: read its volume through a throwaway server.
      await project.run(["up", "-d", "postgres"]);
      await waitHealthy(project, ["postgres"], HEALTHY_MS);
      const rows = await psql(
        `select 'position ' || token_id from positions where state <> 'CLOSED'
           and size + provisional_size > 0
         union all
         select 'order ' || order_id || ' ' || status from orders
          where status in ('OPEN', 'PARTIALLY_FILLED', 'PENDING', 'SUBMITTED', 'UNKNOWN')`,
      );
      return rows;
    }

    /** From the container's last start to its agent's "running" log line (pino JSON). */
    async function startToRunning(id: string): Promise<number> {
      const startedAt = Date.parse(await docker(["inspect", "-f", "{{.State.StartedAt}}", id]));
      const running = (await dockerLogs(id))
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { msg?: string; time?: number })
        .find((l) => l.msg === "running" && (l.time ?? 0) >= startedAt);
      if (running?.time === undefined) throw new Error(`no "running" log line since ${startedAt}`);
      return running.time - startedAt;
    }

    /** Last sequence of each JetStream stream, from the server's monitoring port. */
    async function streamMessages(): Promise<Record<string, number>> {
      const json = await docker([
        "exec",
        await project.container("nats"),
        "wget",
        "-q",
        "-O",
        "-",
        "http://localhost:8222/jsz?accounts=true&streams=true",
      ]);
      const jsz = JSON.parse(json) as {
        account_details?: { stream_detail?: { name: string; state: { last_seq: number } }[] }[];
      };
      const out: Record<string, number> = {};
      for (const account of jsz.account_details ?? []) {
        for (const s of account.stream_detail ?? []) out[s.name] = s.state.last_seq;
      }
      return out;
    }
  },
);

/**
 * The cluster profile runs with the other opt-in suites (PREDATOR_EXTENDED_TESTS=1, as
 * test/integration/nats-cluster.test.ts): a durable consumer stopped pulling after its stream
 * leader's node was killed, and until that is fixed this case fails.
 */
const clusterSkip = !availability.ok
  ? availability.reason
  : process.env.PREDATOR_EXTENDED_TESTS === "1"
    ? null
    : "opt-in: PREDATOR_EXTENDED_TESTS=1 (the failover bug of nats-cluster.test.ts)";

describe.skipIf(clusterSkip !== null)(
  `docker compose --profile cluster: NATS as three nodes${clusterSkip === null ? "" : ` (skipped: ${clusterSkip})`}`,
  () => {
    const CLUSTER_URL = "nats://nats:4222,nats://nats-2:4222,nats://nats-3:4222";
    const project = new ComposeProject(
      `predator-e2e-cluster-${randomBytes(3).toString("hex")}`,
      availability.compose,
      ["--env-file", "infra/nats/cluster.env", "--profile", "cluster"],
    );
    let tap: EventTap;

    const jsz = async (service: string) => {
      const json = await docker([
        "exec",
        await project.container(service),
        "wget",
        "-q",
        "-O",
        "-",
        "http://localhost:8222/jsz?accounts=true&streams=true",
      ]);
      return JSON.parse(json) as {
        account_details?: {
          stream_detail?: {
            name: string;
            config?: { num_replicas?: number };
            state?: { last_seq?: number };
            cluster?: { leader?: string; replicas?: { name: string; current: boolean }[] };
          }[];
        }[];
      };
    };
    const streams = async (service: string) =>
      (await jsz(service)).account_details?.flatMap((a) => a.stream_detail ?? []) ?? [];

    beforeAll(async () => {
      await project.run(["config", "-q"]);
      const t0 = Date.now();
      await project.run(["up", "-d"]);
      await waitHealthy(project, [...SERVICES, "nats-2", "nats-3"], HEALTHY_MS);
      process.stderr.write(`docker cluster: up -d → all healthy in ${Date.now() - t0} ms\n`);
      tap = new EventTap(project.network, CLUSTER_URL);
    }, HEALTHY_MS + 120_000);

    afterAll(async () => {
      await (tap as EventTap | undefined)?.close();
      await project.run(["down", "-v", "--remove-orphans"], 120_000);
    }, 150_000);

    it(
      "runs with every stream at 3 replicas; kill -9 of a stream leader's node → trading goes on, the node rejoins",
      async () => {
        await tap.waitFor("ACTIVE", (e) => e.kind === "state" && e.detail.state === "ACTIVE", {
          since: 0,
          timeoutMs: FIRST_ACTIVE_MS,
        });
        const psql = async (sql: string) =>
          docker([
            "exec",
            await project.container("postgres"),
            "psql",
            "-U",
            "predator",
            "-d",
            "predator",
            "-Atc",
            sql,
          ]);
        const all = await streams("nats");
        expect(all.length).toBeGreaterThan(0);
        for (const s of all) expect(s.config?.num_replicas, s.name).toBe(3);
        // The CRO stream carries cro.state all the time (fills come only at the strategies'
        // moments in a window): its leader's node is the one to kill.
        const cro = all.find((s) => s.name === "CRO");
        const leader = cro?.cluster?.leader;
        const service = ["nats", "nats-2", "nats-3"].find((n) => n === leader);
        expect(service, `CRO stream leader ${String(leader)}`).toBeDefined();
        if (service === undefined) return;
        const id = await project.container(service);
        // It must stay down for the cluster to be without it (Docker would restart it at once).
        await docker(["update", "--restart=no", id]);
        const killedAt = Date.now();
        process.kill((await inspect(id)).pid, "SIGKILL");
        const fillsBefore = await psql("select trade_id from fills order by trade_id");
        const seqBefore = cro?.state?.last_seq ?? 0;
        // Trading goes on: every agent still heartbeats (healthy) through the other nodes, and
        // the CRO is ACTIVE (it never left, or came back).
        const nodes = ["nats", "nats-2", "nats-3"].filter((n) => n !== service);
        await waitHealthy(project, [...SERVICES.filter((n) => n !== "nats"), ...nodes], HEALTHY_MS);
        const back = await until(
          "ACTIVE after the kill",
          () => {
            const last = tap.states(killedAt).at(-1);
            if (last === undefined) return Promise.resolve(null);
            return Promise.resolve(last.detail.state === "ACTIVE" ? last : undefined);
          },
          BACK_ACTIVE_MS,
          200,
        );
        const left = tap.states(killedAt).find((e) => e.detail.state !== "ACTIVE");
        await docker(["update", "--restart=unless-stopped", id]);
        const t0 = Date.now();
        await project.run(["up", "-d"]);
        const other = nodes[0] ?? "nats";
        // cro.state went on through the other nodes while this one was down.
        const during = (await streams(other)).find((s) => s.name === "CRO");
        expect(during?.state?.last_seq ?? 0).toBeGreaterThan(seqBefore);
        await until(
          `${service} back and every CRO stream replica current`,
          async () => {
            const f = (await streams(other)).find((s) => s.name === "CRO");
            const replicas = f?.cluster?.replicas ?? [];
            return replicas.length === 2 && replicas.every((r) => r.current) ? f : undefined;
          },
          HEALTHY_MS,
          500,
        );
        // Nothing acknowledged is lost: the stream kept every message, PostgreSQL every fill.
        const after = (await streams(service)).find((s) => s.name === "CRO");
        expect(after?.state?.last_seq ?? 0).toBeGreaterThanOrEqual(seqBefore);
        const fillsAfter = (await psql("select trade_id from fills order by trade_id")).split("\n");
        for (const tradeId of fillsBefore.split("\n")) expect(fillsAfter).toContain(tradeId);
        process.stderr.write(
          `docker cluster: kill -9 of ${service} (CRO stream leader) → ` +
            (left === undefined
              ? "never left ACTIVE"
              : `left ACTIVE (${left.text}), ACTIVE again ${back === null ? "?" : `${back.at - killedAt} ms`}`) +
            `; ${service} rejoined and current ${Date.now() - t0} ms after up -d\n`,
        );
      },
      FIRST_ACTIVE_MS + FIRST_FILL_MS * 2 + HEALTHY_MS,
    );
  },
);
