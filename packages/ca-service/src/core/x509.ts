// @peculiar/x509 v2 resolves its algorithm providers through tsyringe decorators, which need the
// Reflect metadata polyfill loaded first. Every module of ours that uses the library imports it from here;
// package.json lists this file in `sideEffects` so that a bundler keeps the polyfill import.
import "reflect-metadata";

export * as x509 from "@peculiar/x509";
