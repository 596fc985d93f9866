import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The Docker end-to-end tests need an engine and the stand-in images (.ci/docker-images);
    // `.ci/docker-tests` runs them. Everything else runs on the machine's own binaries.
    exclude:
      process.env.PREDATOR_DOCKER_TESTS === "1" ? [] : ["test/docker/**", "**/node_modules/**"],
    globalSetup: ["test/harness/global-setup.ts", "test/harness/dashboard-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
