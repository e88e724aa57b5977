// Debian's Chromium driven by playwright-core (no browser download): the flags keep it off the network,
// which this machine closes (without them it retries Google's hosts at every start).
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Launches headless Chromium from `$AVIARY_CHROMIUM` or /usr/bin/chromium; fails (never skips) when missing. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.AVIARY_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}: the browser tests need it. Install Debian's ` +
        "package (`apt-get install -y chromium`) or point AVIARY_CHROMIUM at a Chromium binary.",
    );
  }
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
