/** Time and randomness are injected so that tests can pin them. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type RandomBytes = (bytes: Uint8Array) => Uint8Array;

export const secureRandom: RandomBytes = (bytes) => globalThis.crypto.getRandomValues(bytes);
