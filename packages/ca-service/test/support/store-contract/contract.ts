import type { CertificateStore } from "../../../src/ports/certificate-store.js";
import type { Race } from "../store-replicas.js";

/** What each test of the contract gets: a fresh, empty database of its own. */
export interface StoreUnderTest {
  /** A store on that database, to set up, call directly and read back. */
  store: CertificateStore;
  /** Races calls over more stores on the same database, each with connections of its own. */
  race: Race;
}

/** Registers one test of the contract for the adapter at hand. */
export type ContractTest = (name: string, body: (subject: StoreUnderTest) => Promise<void>) => void;

/** How many attempts race at once: enough to meet contention on every adapter, few enough to stay quick. */
export const RACERS = 12;
