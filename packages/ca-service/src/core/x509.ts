// @peculiar/x509 v2 resolves its algorithm providers through tsyringe decorators, which need the
// Reflect metadata polyfill loaded first. Every module of ours that uses the library imports it from here.
import "reflect-metadata";

export * as x509 from "@peculiar/x509";
