/**
 * `predator kill` signals a pid only when this host's /proc says it runs `… agent <name> …`: a
 * heartbeat (from anywhere) naming some other local pid must not get that process killed.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { isLocalAgentProcess } from "../../../infra/cli/commands/kill.ts";

describe("predator kill: whose pid", () => {
  it("recognises a local `agent <name>` process and nothing else", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "agent", "cro"], {
      stdio: "ignore",
    });
    try {
      const pid = child.pid ?? 0;
      // The cmdline is readable as soon as the exec happened.
      const deadline = Date.now() + 10_000;
      while (!(await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).includes("agent")) {
        if (Date.now() > deadline) throw new Error("child never exec'd");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await isLocalAgentProcess(pid, "cro")).toBe(true);
      expect(await isLocalAgentProcess(pid, "portfolio")).toBe(false);
      expect(await isLocalAgentProcess(process.pid, "cro")).toBe(false);
      expect(await isLocalAgentProcess(2 ** 22 + 12_345, "cro")).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
