/** The version reports carry in their titles: package.json's, read once at load. */
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version?: string;
};

export const VERSION = `v${pkg.version ?? "unknown"}`;
