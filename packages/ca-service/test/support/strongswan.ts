import { execFileSync } from "node:child_process";

const PACKAGES = ["strongswan-pki", "libstrongswan-standard-plugins", "libstrongswan-extra-plugins"];

function hasPki(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v pki"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * strongSwan's `pki` (an EST client we did not write): there, or installed from Debian's packages
 * when this user can; otherwise the reason the tests that need it are skipped, said out loud.
 */
export function strongSwanUnavailable(): string | undefined {
  if (hasPki()) return undefined;
  try {
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...PACKAGES], {
      stdio: "ignore",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 300_000,
    });
  } catch (error) {
    return `strongSwan's pki is missing and could not be installed (apt-get install ${PACKAGES.join(" ")}: ${(error as Error).message.split("\n")[0]})`;
  }
  return hasPki() ? undefined : "strongSwan's pki is missing after installing its packages";
}
