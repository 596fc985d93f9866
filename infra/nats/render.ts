/**
 * Writes infra/nats/nats.conf from infra/nats/permissions.ts:
 * `npx tsx infra/nats/render.ts` (run it after changing a permission, then commit both).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderNatsConf } from "./permissions.ts";

export const NATS_CONF_PATH = fileURLToPath(new URL("./nats.conf", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(NATS_CONF_PATH, renderNatsConf());
  process.stdout.write(`wrote ${NATS_CONF_PATH}\n`);
}
