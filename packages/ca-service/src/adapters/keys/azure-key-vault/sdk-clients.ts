import type { TokenCredential } from "@azure/core-auth";
import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import type { SdkClients } from "./sdk-key-vault-client.js";
import { KEY_VAULT_BACKOFF, type ThrottleBackoff, throttleRetryPolicy } from "./throttle-retry-policy.js";

export interface SdkClientOptions {
  /** PEM that replaces the public roots for the vault's TLS (the emulator, a dev stack). */
  tlsCa?: string | undefined;
  /**
   * Skip the check that the challenge's resource (vault.azure.net) matches the vault's host: only
   * for the emulator on 127.0.0.1.
   */
  disableChallengeResourceVerification?: boolean;
  /** How reads, creates and merges wait out 429s (signing has its own policy). */
  backoff?: ThrottleBackoff;
}

/** The official clients, configured the one way the service uses them. */
export function createSdkClients(
  vaultUrl: string,
  credential: TokenCredential,
  options: SdkClientOptions = {},
): SdkClients {
  const common = {
    ...(options.tlsCa ? { tlsOptions: { ca: options.tlsCa } } : {}),
    ...(options.disableChallengeResourceVerification ? { disableChallengeResourceVerification: true } : {}),
  };
  const retrying = {
    ...common,
    additionalPolicies: [
      { policy: throttleRetryPolicy(options.backoff ?? KEY_VAULT_BACKOFF), position: "perCall" as const },
    ],
  };
  return {
    keys: new KeyClient(vaultUrl, credential, retrying),
    certificates: new CertificateClient(vaultUrl, credential, retrying),
    unretried: new KeyClient(vaultUrl, credential, { ...common, retryOptions: { maxRetries: 0 } }),
  };
}
