/**
 * A three-node NATS cluster on loopback for one test file: three nats-server processes (the
 * Debian binary), JetStream on each, full-mesh routes, free ports and temp stores. Each node can
 * be killed (-9) and started again on the same ports and store: it rejoins the cluster.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acceptsTcp, freePort, terminate } from "./nats.ts";

const NODES = 3;
const READY_TIMEOUT_MS = 15_000;
const POLL_MS = 20;

export interface ClusterNode {
  /** The server_name, as stream cluster info reports leaders and replicas. */
  name: string;
  url: string;
}

export interface NatsCluster {
  nodes: readonly ClusterNode[];
  /** Every node's URL, comma-separated: what NATS_URL holds for a cluster. */
  urls: string;
  /** SIGKILL, no goodbye. */
  kill(index: number): void;
  /** Starts a killed node again on its ports and store. */
  start(index: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startNatsCluster(): Promise<NatsCluster> {
  const dir = await mkdtemp(join(tmpdir(), "predator-nats-cluster-"));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < NODES; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`);
  const configs: string[] = [];
  for (let i = 0; i < NODES; i++) {
    const file = join(dir, `n${i + 1}.conf`);
    await writeFile(
      file,
      [
        `server_name: n${i + 1}`,
        `listen: "127.0.0.1:${clientPorts[i] ?? 0}"`,
        `jetstream { store_dir: ${JSON.stringify(join(dir, `n${i + 1}`))} }`,
        `cluster {`,
        `  name: predator`,
        `  listen: "127.0.0.1:${routePorts[i] ?? 0}"`,
        `  routes: [${routes.map((r) => JSON.stringify(r)).join(", ")}]`,
        `}`,
        ``,
      ].join("\n"),
    );
    configs.push(file);
  }
  const procs: (ChildProcess | undefined)[] = [];
  const launch = async (i: number) => {
    const port = clientPorts[i] ?? 0;
    const child = spawn("nats-server", ["-c", configs[i] ?? ""], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    procs[i] = child;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await acceptsTcp(port))) {
      if (child.exitCode !== null) throw new Error(`n${i + 1} exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`n${i + 1} did not listen on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  for (let i = 0; i < NODES; i++) await launch(i);
  const nodes = clientPorts.map((p, i) => ({ name: `n${i + 1}`, url: `nats://127.0.0.1:${p}` }));
  return {
    nodes,
    urls: nodes.map((n) => n.url).join(","),
    kill(index) {
      const child = procs[index];
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
      }
    },
    async start(index) {
      const child = procs[index];
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        await new Promise((resolve) => child.once("exit", resolve));
      }
      await launch(index);
    },
    async stop() {
      await Promise.all(
        procs.map((child) => (child === undefined ? Promise.resolve() : terminate(child))),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
