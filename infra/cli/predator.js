#!/usr/bin/env node
// The `predator` command. Checks the Node version, then runs the CLI: the compiled JavaScript
// beside this file when there is some (the Docker image: no TypeScript compile on start), else the
// TypeScript sources through the tsx loader. A simulation runs with the V8 settings of
// infra/chaos/sim/node-flags.ts: when they are missing, the command runs again in a child with
// them, forwarding signals and the exit code.
// The commands a supervisor or Docker starts over and over (ONE_COMMANDS, as in one.ts) load only
// their own modules through one.ts; every other command loads the whole CLI (cli.ts).
// Only what every Node parses may come before the version check: the imports are dynamic.
const NODE_MAJOR_MIN = 24;
const major = Number(process.versions.node.split(".")[0]);
if (major < NODE_MAJOR_MIN) {
  process.stderr.write(
    `predator needs Node.js ${NODE_MAJOR_MIN} or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n`,
  );
  process.exit(1);
}
const { existsSync } = await import("node:fs");
const compiled = existsSync(new URL("./cli.js", import.meta.url));
if (!compiled) {
  const { register } = await import("tsx/esm/api");
  register();
}
const ext = compiled ? "js" : "ts";
const { missingSimFlags } = await import(`../../infra/chaos/sim/node-flags.${ext}`);
const missing = missingSimFlags(process.argv[2], process.execArgv);
const ONE_COMMANDS = ["agent", "health", "venue-sim", "migrate"];
if (missing.length === 0) {
  await import(ONE_COMMANDS.includes(process.argv[2] ?? "") ? `./one.${ext}` : `./cli.${ext}`);
} else {
  const { spawn } = await import("node:child_process");
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
