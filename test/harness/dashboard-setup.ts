/**
 * vitest globalSetup: builds the console (dashboard/) when its build is missing or stale, so a
 * clean clone's `npm test` serves the app it tests.
 */
import { ensureDashboardBuilt } from "../../infra/app/console/build.ts";

export default function setup(): void {
  ensureDashboardBuilt(() => undefined);
}
