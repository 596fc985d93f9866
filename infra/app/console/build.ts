/**
 * Builds the dashboard (Vite) when its build is missing or older than its sources, so a fresh
 * clone's `npm start` serves it with no extra step.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const DASHBOARD_DIR = join(REPO_ROOT, "dashboard");
export const DASHBOARD_DIST = join(DASHBOARD_DIR, "dist");
/** A build that takes longer than this has hung. */
const BUILD_TIMEOUT_MS = 180_000;

/** Sources whose change makes the build stale. */
function sources(): string[] {
  const out: string[] = [
    join(DASHBOARD_DIR, "index.html"),
    join(DASHBOARD_DIR, "vite.config.ts"),
    join(REPO_ROOT, "contracts", "console.ts"),
  ];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(join(DASHBOARD_DIR, "src"));
  return out;
}

export function dashboardStale(): boolean {
  const built = join(DASHBOARD_DIST, "index.html");
  if (!existsSync(built)) return true;
  // An install that ships the build without its sources (the Docker image) serves it as it is.
  if (!existsSync(join(DASHBOARD_DIR, "src"))) return false;
  const builtAt = statSync(built).mtimeMs;
  return sources().some((path) => existsSync(path) && statSync(path).mtimeMs > builtAt);
}

/** Builds when stale; returns the directory to serve. Throws with Vite's output on failure. */
export function ensureDashboardBuilt(log: (line: string) => void): string {
  if (!dashboardStale()) return DASHBOARD_DIST;
  log("predator: building the console (dashboard/) …");
  const vite = join(REPO_ROOT, "node_modules", "vite", "bin", "vite.js");
  const run = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: DASHBOARD_DIR,
    // Under vitest NODE_ENV is "test", which would build React's development bundle.
    env: { ...process.env, NODE_ENV: "production" },
    encoding: "utf8",
    timeout: BUILD_TIMEOUT_MS,
  });
  if (run.status !== 0)
    throw new Error(
      `building the console failed (exit ${String(run.status)}): ${run.stderr || run.stdout}`.slice(
        0,
        4000,
      ),
    );
  return DASHBOARD_DIST;
}
