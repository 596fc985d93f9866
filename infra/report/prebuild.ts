/**
 * Writes the report page's script once (client.bundle.js beside bundle.ts), for an install that
 * ships without esbuild, React and Recharts: the Docker image runs it in its build stage.
 */
import { writeFile } from "node:fs/promises";
import { PREBUILT_SCRIPT, buildReportScript } from "./bundle.ts";

await writeFile(PREBUILT_SCRIPT, await buildReportScript());
