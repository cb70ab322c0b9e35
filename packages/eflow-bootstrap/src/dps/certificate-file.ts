import { readFileSync } from "node:fs";
import { certificatePems } from "../credentials/pem.js";
import { BootstrapError } from "../errors.js";
import { parseCertificate } from "./device-certificate.js";

/**
 * The one certificate of a PEM file that is to go to DPS (a group's CA certificate, a device's
 * certificate), re-encoded from its parse: nothing else in the file ever leaves this machine. A file
 * holding anything but certificates (a private key beside the certificate, as `cat key cert` makes)
 * is refused, since sending it as it is would hand the key to DPS. Of a chain, the first (the leaf
 * of a device chain, leaf first) is taken.
 */
export function certificateForDps(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new BootstrapError(
      "certificate_invalid",
      `cannot read ${what} from ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      { cause: error },
    );
  }
  const labels = [...text.matchAll(/-----BEGIN ([^-\r\n]*)-----/g)].map((match) => match[1] as string);
  const other = labels.find((label) => label !== "CERTIFICATE");
  if (other !== undefined) {
    throw new BootstrapError(
      "certificate_invalid",
      `${what} ${path} holds a ${other} block: give a file with the certificate only (nothing but the certificate goes to DPS, a private key least of all)`,
    );
  }
  const [first] = certificatePems(text);
  if (first === undefined)
    throw new BootstrapError("certificate_invalid", `${what} ${path} holds no PEM certificate`);
  return parseCertificate(first, `${what} ${path}`).toString();
}
