/**
 * A real browser for the console's end-to-end tests: Debian's `chromium` driven by playwright-core,
 * headless, with background networking off. Without the binary the tests are skipped with a
 * message, except under CI=true, where a missing browser is a failure (.ci/run installs it).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.PREDATOR_CHROMIUM ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && process.env.CI === "true")
  throw new Error(`CI=true: ${CHROMIUM} is missing (apt-get install -y chromium)`);

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-gpu",
    ],
  });
}

/** Collects uncaught page errors, so a test can say none happened. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
}
