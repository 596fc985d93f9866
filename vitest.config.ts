import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The dashboard's component tests pick their DOM (happy-dom) with a comment at their top.
    include: ["test/**/*.test.ts", "dashboard/test/**/*.test.tsx"],
    // Opt-in suites, not part of `npm test` (docs/development.md): the Docker end-to-end tests
    // (PREDATOR_DOCKER_TESTS=1; they need an engine and the stand-in images, `.ci/docker-tests`;
    // they have not yet passed whole on a machine of this kind); the real-fault chaos sequence
    // costs minutes and is its own step (`.ci/chaos-real`, PREDATOR_CHAOS_REAL=1); the
    // three-node NATS failover test failed in the last full run (a durable consumer that stopped
    // pulling after the stream leader died) and runs with PREDATOR_EXTENDED_TESTS=1.
    exclude: [
      "**/node_modules/**",
      ...(process.env.PREDATOR_DOCKER_TESTS === "1" ? [] : ["test/docker/**"]),
      ...(process.env.PREDATOR_EXTENDED_TESTS === "1" || process.env.PREDATOR_CHAOS_REAL === "1"
        ? []
        : ["test/chaos/real-faults.test.ts"]),
      ...(process.env.PREDATOR_EXTENDED_TESTS === "1"
        ? []
        : ["test/integration/nats-cluster.test.ts"]),
    ],
    globalSetup: ["test/harness/global-setup.ts", "test/harness/dashboard-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
