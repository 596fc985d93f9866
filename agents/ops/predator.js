#!/usr/bin/env node
// The `predator` command. Registers the TypeScript loader, then runs the CLI. A simulation runs
// with the V8 settings of infra/chaos/sim/node-flags.ts: when they are missing, the command runs
// again in a child with them, forwarding signals and the exit code.
import { spawn } from "node:child_process";
import { register } from "tsx/esm/api";

register();
const { missingSimFlags } = await import("../../infra/chaos/sim/node-flags.ts");
const missing = missingSimFlags(process.argv[2], process.execArgv);
if (missing.length === 0) {
  await import("./cli.ts");
} else {
  const child = spawn(
    process.execPath,
    [...missing, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: "inherit" },
  );
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => {
    if (signal !== null) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
