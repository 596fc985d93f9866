/**
 * How the CLI finds a console started on this machine with no settings: `npm start` writes the
 * URL and the operator token to a file only the user can read (0600, in a 0700 directory), and
 * removes it when it stops. `predator status|halt|resume|controls|events` read it when NATS_URL
 * is not set.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

const localConsole = z.object({
  url: z.url(),
  token: z.string().min(16),
  pid: z.number().int().positive(),
});
export type LocalConsole = z.infer<typeof localConsole>;

/** `$PREDATOR_STATE_DIR`, else `$XDG_STATE_HOME/predator`, else `~/.local/state/predator`. */
export function stateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.PREDATOR_STATE_DIR !== undefined && env.PREDATOR_STATE_DIR !== "")
    return env.PREDATOR_STATE_DIR;
  const base =
    env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== ""
      ? env.XDG_STATE_HOME
      : join(homedir(), ".local", "state");
  return join(base, "predator");
}

export function consoleFile(env: Record<string, string | undefined> = process.env): string {
  return join(stateDir(env), "console.json");
}

/**
 * A fresh operator token. It guards halt and resume, so it comes from the operating system's
 * CSPRNG, never from a seeded Rng (which the simulator may replay).
 */
export function freshToken(): string {
  return randomBytes(24).toString("base64url");
}

export function writeLocalConsole(
  value: LocalConsole,
  env: Record<string, string | undefined> = process.env,
): string {
  const dir = stateDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = consoleFile(env);
  writeFileSync(file, JSON.stringify(value) + "\n", { mode: 0o600 });
  // writeFileSync keeps the mode of a file that already existed.
  chmodSync(file, 0o600);
  return file;
}

/** The console written by a running `npm start`; null when there is none or it is unreadable. */
export function readLocalConsole(
  env: Record<string, string | undefined> = process.env,
): LocalConsole | null {
  let text: string;
  try {
    text = readFileSync(consoleFile(env), "utf8");
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = localConsole.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** Removes the file if it is still the one this process wrote. */
export function removeLocalConsole(
  pid: number,
  env: Record<string, string | undefined> = process.env,
): void {
  if (readLocalConsole(env)?.pid === pid) rmSync(consoleFile(env), { force: true });
}
