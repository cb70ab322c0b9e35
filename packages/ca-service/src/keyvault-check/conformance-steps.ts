import { webcrypto } from "node:crypto";
import type { SdkClients } from "../adapters/keys/azure-key-vault/sdk-key-vault-client.js";
import { createIntermediateCertificate, createRootCertificate } from "../core/ca-hierarchy.js";
import { signDeviceCertificate } from "../core/device-certificate.js";
import type { KeyAlgorithm } from "../core/key-algorithms.js";
import { randomSerialNumber } from "../core/serial-number.js";
import { computeValidity } from "../core/validity.js";
import type { x509 } from "../core/x509.js";
import type { CaKeyStore, CaSigner } from "../ports/ca-key-store.js";
import { type Clock, type RandomBytes, secureRandom, systemClock } from "../ports/clock.js";
import { vaultAnswer } from "./vault-answer.js";
import { verifyChainWithOpenssl } from "./verify-chain.js";

/** The throwaway certificates the check makes: a root, an issuing CA, and one it leaves pending. */
export interface CheckNames {
  root: string;
  intermediate: string;
  pending: string;
}

/** What the steps work on: the vault through the service's own key store, and the SDK clients. */
export interface CheckTarget {
  clients: SdkClients;
  /** A Key Vault key store over `names`, configured as the service's. */
  keyStore: CaKeyStore;
  names: CheckNames;
  keyAlgorithm: KeyAlgorithm;
  clock?: Clock;
  random?: RandomBytes;
}

/** What earlier steps made, for the later ones. */
interface Made {
  rootKey?: CaSigner;
  rootSigner?: CaSigner;
  root?: x509.X509Certificate;
  intermediateKey?: CaSigner;
  intermediateSigner?: CaSigner;
  intermediate?: x509.X509Certificate;
  device?: x509.X509Certificate;
}

export interface ConformanceStep {
  title: string;
  /** Runs even after an earlier step failed: it needs nothing they made. */
  independent?: boolean;
  /** Returns what the vault did; throws with what it answered. */
  run(target: CheckTarget, made: Made): Promise<string>;
}

const VALIDITY_DAYS = 1;

const made = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} is missing (an earlier step failed)`);
  return value;
};

const now = (target: CheckTarget) => (target.clock ?? systemClock).now();
const serial = (target: CheckTarget) => randomSerialNumber(target.random ?? secureRandom);

/**
 * The steps, in order: the service's own init path (key placeholder, certificate merged with
 * reuse_key) for a root and an issuing CA, one device certificate, openssl's verdict, the versions
 * as the vault reports them, and the emulator's central assumption (a pending key cannot sign).
 */
export const CONFORMANCE_STEPS: readonly ConformanceStep[] = [
  {
    title: "root key: a Self placeholder that Key Vault completes",
    run: async (target, state) => {
      state.rootKey = await target.keyStore.createKey("root", target.keyAlgorithm);
      return `key ${state.rootKey.keyRef}`;
    },
  },
  {
    title: "root certificate: self-signed with the placeholder's key, merged into a version with reuse_key",
    run: async (target, state) => {
      const signer = made(state.rootKey, "the root key");
      state.root = await createRootCertificate({
        signer,
        commonName: `${target.names.root} Root CA`,
        validityDays: VALIDITY_DAYS,
        serialNumber: serial(target),
        now: now(target),
      });
      state.rootSigner =
        (await target.keyStore.saveCertificate("root", new Uint8Array(state.root.rawData))) ?? signer;
      return `serves with key ${state.rootSigner.keyRef}`;
    },
  },
  {
    title: "issuing CA key: a Self placeholder",
    run: async (target, state) => {
      state.intermediateKey = await target.keyStore.createKey("intermediate", target.keyAlgorithm);
      return `key ${state.intermediateKey.keyRef}`;
    },
  },
  {
    title: "issuing CA certificate: signed with the root's current version, merged",
    run: async (target, state) => {
      const signer = made(state.intermediateKey, "the issuing CA key");
      state.intermediate = await createIntermediateCertificate({
        signer,
        rootSigner: made(state.rootSigner, "the root's signer"),
        root: made(state.root, "the root certificate"),
        commonName: `${target.names.intermediate} Issuing CA`,
        validityDays: VALIDITY_DAYS,
        serialNumber: serial(target),
        now: now(target),
      });
      state.intermediateSigner =
        (await target.keyStore.saveCertificate("intermediate", new Uint8Array(state.intermediate.rawData))) ??
        signer;
      return `serves with key ${state.intermediateSigner.keyRef}`;
    },
  },
  {
    title: "device certificate: signed with the issuing CA's current version",
    run: async (target, state) => {
      const intermediate = made(state.intermediate, "the issuing CA certificate");
      const keys = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
        "sign",
        "verify",
      ])) as webcrypto.CryptoKeyPair;
      state.device = await signDeviceCertificate({
        ca: {
          signer: made(state.intermediateSigner, "the issuing CA's signer"),
          certificate: intermediate,
          root: made(state.root, "the root certificate"),
          rootSigner: made(state.rootSigner, "the root's signer"),
        },
        deviceId: "keyvault-check-device",
        publicKeySpki: new Uint8Array(await webcrypto.subtle.exportKey("spki", keys.publicKey)),
        keyAlgorithm: "ECDSA_P256",
        validity: computeValidity({
          now: now(target),
          policyMaxDays: 1,
          issuerNotAfter: intermediate.notAfter,
        }),
        serialNumber: serial(target),
      });
      return `serial ${state.device.serialNumber}`;
    },
  },
  {
    title: "openssl verifies the chain",
    run: (_target, state) =>
      verifyChainWithOpenssl(
        made(state.root, "the root certificate"),
        made(state.intermediate, "the issuing CA certificate"),
        made(state.device, "the device certificate"),
      ),
  },
  {
    title: "versions read back: the placeholder, then the merged certificate under a new version id",
    run: async (target, state) => {
      const read = async (name: string, signer: CaSigner, certificate: x509.X509Certificate) => {
        const versions = [];
        for await (const properties of target.clients.certificates.listPropertiesOfCertificateVersions(
          name,
        )) {
          versions.push(properties);
        }
        const shape = versions.map(
          (v) => `${v.version}${v.tags?.["edge-pki"] ? ` (${v.tags["edge-pki"]})` : ""}`,
        );
        const [placeholder, merged] = versions.sort(
          (a, b) => (a.createdOn?.getTime() ?? 0) - (b.createdOn?.getTime() ?? 0),
        );
        const current = await target.clients.certificates.getCertificate(name);
        const problem =
          versions.length !== 2
            ? `expected 2 versions, the vault lists ${versions.length}`
            : placeholder?.tags?.["edge-pki"] !== "key-placeholder"
              ? "the first version is not the key placeholder"
              : merged?.version !== current.properties.version || current.keyId !== signer.keyRef
                ? `the current version (key ${current.keyId}) is not the one the service serves with (${signer.keyRef})`
                : !Buffer.from(current.cer ?? []).equals(Buffer.from(certificate.rawData))
                  ? "the current version holds another certificate"
                  : undefined;
        if (problem) throw new Error(`${name}: ${problem} (versions: ${shape.join(", ")})`);
        return `${name}: ${shape.join(" then ")}`;
      };
      return [
        await read(
          target.names.root,
          made(state.rootSigner, "the root's signer"),
          made(state.root, "the root"),
        ),
        await read(
          target.names.intermediate,
          made(state.intermediateSigner, "the issuing CA's signer"),
          made(state.intermediate, "the issuing CA"),
        ),
      ].join("; ");
    },
  },
  {
    title: "a pending certificate's key cannot sign (the emulator refuses it)",
    independent: true,
    run: async (target) => {
      const { certificates, keys } = target.clients;
      const name = target.names.pending;
      await certificates.beginCreateCertificate(name, {
        issuerName: "Unknown",
        subject: `CN=${name}`,
        keyType: "EC",
        keyCurveName: "P-256",
        exportable: false,
      });
      let version: string | undefined;
      try {
        version = (await keys.getKey(name)).properties.version;
      } catch (error) {
        return `its key cannot even be read: ${vaultAnswer(error)}`;
      }
      try {
        await keys.getCryptographyClient(name, { keyVersion: version }).sign("ES256", new Uint8Array(32));
      } catch (error) {
        return `refused: ${vaultAnswer(error)}`;
      }
      throw new Error(
        "the vault signed with the key of a pending certificate; the emulator refuses that, so it is stricter than this vault (worth reporting)",
      );
    },
  },
];
