/**
 * What runs each command the docs show (keys from doc-commands.ts `commandKeys`). Checked by
 * commands.test.ts: a command in a doc without an entry here fails, an entry no doc uses fails, and
 * each `test` entry's file must exist and contain its evidence (the argv, the function or the
 * command line it runs), so this table cannot claim a test that does not run the command.
 *
 * - `run`: commands.test.ts runs it itself (every `predator …` key also gets its --help run and
 *   every literal `predator …` line is parsed by the real program: options, values, bounds).
 * - `test`: a test (or a CI script) runs it; `evidence` is a string that file contains. A test
 *   outside the default suite says which variable opts it in (`.ci/docker-tests` sets
 *   PREDATOR_DOCKER_TESTS; PREDATOR_EXTENDED_TESTS is docs/development.md's opt-in suite).
 * - `manual`: needs what CI cannot have; the reason says what. Keep these few.
 */
export type Coverage =
  | { readonly run: string }
  | {
      readonly test: string;
      readonly evidence: string;
      /** The test is outside `npm test` unless this variable is 1 (an opt-in suite). */
      readonly optIn?: "PREDATOR_DOCKER_TESTS" | "PREDATOR_EXTENDED_TESTS";
    }
  | { readonly manual: string };

export const COVERAGE: Readonly<Record<string, Coverage>> = {
  // The CLI: the program itself, then each command.
  predator: { run: "`npx predator --help` through npx, as a new user runs it" },
  "predator agent": { test: "test/unit/runtime/cli.test.ts", evidence: '["agent", "cro"]' },
  "predator audit": {
    test: "test/unit/pipeline/embedded-pipeline.test.ts",
    evidence: "auditChain(",
  },
  "predator campaign": {
    test: "test/chaos/campaign.test.ts",
    evidence: '["campaign", "--seeds"',
  },
  "predator contracts": { run: "`predator contracts --json-schema DIR` into a temporary folder" },
  "predator controls": { test: "test/integration/ops-up.test.ts", evidence: '"controls", "get"' },
  "predator controls get": {
    test: "test/integration/ops-up.test.ts",
    evidence: '["controls", "get", "order_rate_per_min", "--json"]',
  },
  "predator controls set": { test: "test/integration/ops-up.test.ts", evidence: '"controls",' },
  "predator drill kill-switch": {
    test: "test/verify/drill.test.ts",
    evidence: "runKillSwitchDrill",
  },
  "predator events": { test: "test/integration/ops-up.test.ts", evidence: '["events", "--json"]' },
  "predator halt": {
    test: "test/integration/ops-up.test.ts",
    evidence: '["halt", "--level", "pause", "--reason"',
  },
  "predator health": { test: "test/integration/docker-files.test.ts", evidence: '["health",' },
  "predator kill": { test: "test/integration/ops-up.test.ts", evidence: '["kill", "portfolio"' },
  "predator migrate": {
    test: "test/integration/pipeline-processes.test.ts",
    evidence: 'runCli(["migrate"]',
  },
  "predator preflight": {
    test: "test/integration/live-preflight.test.ts",
    evidence: "preflight",
  },
  "predator readiness": {
    test: "test/integration/verify-readiness.test.ts",
    evidence: '"infra/cli/predator.js", "readiness"',
  },
  "predator replay": { test: "test/unit/venue-live/replay.test.ts", evidence: "replayRecording" },
  "predator report paper": {
    test: "test/integration/report-paper.test.ts",
    evidence: '"--format", "html", "--out"',
  },
  // resume and a strategy's halt/resume: the same ops command, sent through the console's API (the
  // CLI's path when `npm start` serves it) or to the CRO directly.
  "predator resume": { test: "test/integration/ops-up.test.ts", evidence: '"POST", "/api/resume"' },
  "predator sim": {
    test: "test/sim/cli.test.ts",
    evidence: '["--seed", "4", "--days", "0.002", "--json", "--report", dir]',
  },
  "predator start": { test: "test/e2e/console-start.test.ts", evidence: '"start",' },
  "predator status": { test: "test/integration/ops-up.test.ts", evidence: '["status", "--json"]' },
  "predator strategy halt": {
    test: "test/unit/cro/strategy-kill.test.ts",
    evidence: 'kind: "strategy.halt"',
  },
  "predator strategy list": { run: "`predator strategy list`: prints every manifest" },
  "predator strategy resume": {
    test: "test/unit/ops/http.test.ts",
    evidence: 'url: "/api/strategy/resume"',
  },
  "predator trade-once": {
    test: "test/integration/live-trade-once.test.ts",
    evidence: "trade-once",
  },
  "predator up": { test: "test/integration/ops-up.test.ts", evidence: '"up",' },
  "predator venue": { test: "test/integration/venue-poly-cli.test.ts", evidence: '"venue",' },
  "predator venue-live": {
    test: "test/integration/live-fleet-dry-run.test.ts",
    evidence: "venue-live",
  },
  "predator venue-sim": {
    test: "test/integration/liveness-sys.test.ts",
    evidence: '"venue-sim"',
  },
  "predator review list": {
    test: "test/integration/review-pg.test.ts",
    evidence: '["list", "--all", "--json"]',
  },
  "predator review mark": {
    test: "test/unit/ops/review-api.test.ts",
    evidence: "/api/review/mark",
  },
  "predator verify canary": { test: "test/verify/canary.test.ts", evidence: "runCanarySimulation" },
  "predator verify exits": { test: "test/verify/exits.test.ts", evidence: "runExit" },

  // npm scripts: what CI runs (.ci/run) or a test runs.
  "npm ci": { test: ".ci/run", evidence: "npm ci --no-audit --no-fund" },
  "npm test": { test: ".ci/run", evidence: "npm test" },
  "npm run check": { test: ".ci/run", evidence: "npm run check" },
  "npm start": { test: "test/e2e/console-start.test.ts", evidence: '"start",' },
  "npm run docs:config": {
    test: "test/unit/docs/config-reference.test.ts",
    evidence: "npm run docs:config",
  },
  "npm run chaos:real": {
    test: "test/chaos/real-faults.test.ts",
    evidence: "chaos-real",
    optIn: "PREDATOR_EXTENDED_TESTS",
  },
  "npm run dashboard:build": {
    test: "test/integration/docker-files.test.ts",
    evidence: "RUN npm run dashboard:build",
  },
  "npm link": {
    manual: "installs the `predator` command globally: changes the machine, not the repository",
  },
  "npm run bench": {
    manual: "benchmarks take minutes of CPU on an idle machine; results go to docs/findings.md",
  },
  "npx vitest": { test: ".ci/run", evidence: "npm test" },
  "npx tsx": { test: "test/unit/nats/permissions.test.ts", evidence: "render" },

  // The CI scripts themselves and the shell set-up.
  ".ci/run": { test: ".ci/run", evidence: "npm run check" },
  ".ci/docker-tests": { test: ".ci/docker-tests", evidence: "test/docker" },
  ".ci/docker-images": { test: ".ci/docker-tests", evidence: ".ci/docker-images" },
  ".ci/chaos-real": { test: ".ci/chaos-real", evidence: "test/chaos/real-faults.test.ts" },
  export: { run: "every `export` line's variables are checked to be ones the code reads" },
  node: { test: ".ci/run", evidence: "node -v" },

  // Docker: test/docker/compose.test.ts drives compose the way docs/operations.md shows.
  "docker compose config": {
    test: "test/docker/compose.test.ts",
    evidence: '["config", "-q"]',
    optIn: "PREDATOR_DOCKER_TESTS",
  },
  "docker compose up": {
    test: "test/docker/compose.test.ts",
    evidence: '["up", "-d"',
    optIn: "PREDATOR_DOCKER_TESTS",
  },
  "docker compose ps": {
    test: "test/docker/compose.test.ts",
    evidence: '["ps"]',
    optIn: "PREDATOR_DOCKER_TESTS",
  },
  "docker compose restart": {
    test: "test/docker/compose.test.ts",
    evidence: '["restart", "cro"]',
    optIn: "PREDATOR_DOCKER_TESTS",
  },
  "docker compose down": {
    test: "test/docker/compose.test.ts",
    evidence: '["down"',
    optIn: "PREDATOR_DOCKER_TESTS",
  },
  kill: {
    test: "test/docker/compose.test.ts",
    evidence: 'process.kill(before.pid, "SIGKILL")',
    optIn: "PREDATOR_DOCKER_TESTS",
  },
  "docker compose exec": {
    manual: "named to say what does not restart a killed agent (no kill binary in the image)",
  },
  "docker compose kill": {
    manual: "named to explain Docker's restart policy (a manual stop is not restarted)",
  },
  "docker compose start": {
    manual: "named to explain Docker's restart policy (how a manually stopped service comes back)",
  },
};
