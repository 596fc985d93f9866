/**
 * The one switch between the two ways the harness gets its services: PREDATOR_TEST_SERVICES =
 * `binaries` (private nats-server / PostgreSQL processes from the machine's binaries), `containers`
 * (testcontainers: the PostgreSQL module and a NATS container, on the images the compose file
 * names), or unset (`binaries`: a test run never depends on whether an engine, and the stand-in
 * images it would need without a registry, happen to be on the machine). A test never
 * depends on which it got: both give a URL and the same stop/restart/kill handles.
 * testcontainers' reaper (Ryuk) is an image no registry-less machine has: containers are stopped
 * by the harness itself, so it is off unless the caller turned it on.
 */
export type ServiceBackend = "binaries" | "containers";

export const POSTGRES_IMAGE = "postgres:15";
export const NATS_IMAGE = "nats:2.10-alpine";
const PROBE_TIMEOUT_MS = 5_000;

let chosen: Promise<ServiceBackend> | undefined;

export function serviceBackend(): Promise<ServiceBackend> {
  chosen ??= choose();
  return chosen;
}

async function choose(): Promise<ServiceBackend> {
  const wanted = process.env.PREDATOR_TEST_SERVICES ?? "binaries";
  if (wanted === "binaries" || wanted === "") return "binaries";
  if (wanted !== "containers") {
    throw new Error(`PREDATOR_TEST_SERVICES=${wanted}: expected binaries or containers`);
  }
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  if (!(await engineReachable())) {
    throw new Error("PREDATOR_TEST_SERVICES=containers but no container engine is reachable");
  }
  return "containers";
}

async function engineReachable(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error("engine probe timed out"));
    }, PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
