/**
 * The report page's script: client/main.tsx with React and Recharts, bundled by esbuild into one
 * minified IIFE that the page inlines, so a report needs no network. Built once per process.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("./client/main.tsx", import.meta.url));

let bundled: Promise<string> | null = null;

export function reportScript(): Promise<string> {
  bundled ??= build({
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
  }).then((r) => {
    const out = r.outputFiles[0]?.text;
    if (out === undefined) throw new Error("esbuild wrote no report script");
    // Inlined in a <script>: a literal "</script" in the code would end the element early.
    return out.replace(/<\/script/gi, "<\\/script");
  });
  return bundled;
}
