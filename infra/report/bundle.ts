/**
 * The report page's script: client/main.tsx with React and Recharts, bundled by esbuild into one
 * minified IIFE that the page inlines, so a report needs no network. Built once per process, or
 * read from client.bundle.js beside this file when there is one: the Docker image bundles it when
 * it is built (infra/report/prebuild.ts) and ships neither esbuild nor React nor Recharts.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("./client/main.tsx", import.meta.url));
/** The prebuilt script (only in the Docker image: nothing in the repository writes it). */
export const PREBUILT_SCRIPT = fileURLToPath(new URL("./client.bundle.js", import.meta.url));

let bundled: Promise<string> | null = null;

export function reportScript(): Promise<string> {
  bundled ??= existsSync(PREBUILT_SCRIPT) ? readFile(PREBUILT_SCRIPT, "utf8") : buildReportScript();
  return bundled;
}

/** Bundles client/main.tsx now (esbuild is loaded only here). */
export async function buildReportScript(): Promise<string> {
  const { build } = await import("esbuild");
  const r = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    write: false,
    legalComments: "none",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const out = r.outputFiles[0]?.text;
  if (out === undefined) throw new Error("esbuild wrote no report script");
  // Inlined in a <script>: a literal "</script" in the code would end the element early.
  return out.replace(/<\/script/gi, "<\\/script");
}
