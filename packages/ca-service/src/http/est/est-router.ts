import type { TLSSocket } from "node:tls";
import { type NextFunction, type Request, type Response, Router } from "express";
import { enrollOverEst } from "../../app/enroll-over-est.js";
import type { ServiceContext } from "../../app/service-context.js";
import { CaError } from "../../core/errors.js";
import type { EdgeCaPolicy, EstCredential } from "../../core/est-enrollment.js";
import { identityOf, type Principal } from "../../core/principal.js";
import { describeError, type Logger } from "../../logger.js";
import { readBody } from "../bodies/read-body.js";
import { withCurrentCa } from "../current-ca.js";
import type { Gate } from "../gate.js";
import { renderProblem } from "../problem.js";
import { certsOnlyPkcs7Base64 } from "../render/pkcs7-certs-only.js";
import { EST_OPERATIONS } from "./est-operations.js";

/** What a 401 asks for: HTTP Basic, the one credential that is not in the TLS handshake. */
export const EST_CHALLENGE = 'Basic realm="edge-pki EST"';
const CERTS_ONLY = "application/pkcs7-mime; smime-type=certs-only";
/** A CA label (RFC 7030 §3.2.2): one path segment, never an operation's name (those routes come first). */
const LABEL = /^[A-Za-z0-9._~-]{1,64}$/;
const OPERATION_NAMES = new Set([
  "cacerts",
  "simpleenroll",
  "simplereenroll",
  "fullcmc",
  "serverkeygen",
  "csrattrs",
]);

export interface EstRouterOptions {
  context: ServiceContext;
  /** A gate whose client-certificate authentication is EST's accepted credentials. */
  gate: Gate;
  edgeCa: EdgeCaPolicy;
  logger: Logger;
}

/**
 * EST (RFC 7030, as RFC 8951 updates it) under /.well-known/est and /.well-known/est/<label>: the
 * label is accepted and audited, and every label is served by the one issuing CA. Answers are what
 * IoT Edge's client reads: 200 with one line of base64, errors as short plain text.
 */
export function estRouter(options: EstRouterOptions): Router {
  const { context, gate } = options;
  const router = Router({ caseSensitive: true, strict: false });
  // EST travels over TLS only (RFC 7030 §3.2.3): Basic passwords must not cross in clear, and client
  // certificates need it. On a plain-HTTP listener its paths do not exist (the API's 404).
  router.use("/.well-known/est", (request: Request, _response: Response, next: NextFunction) => {
    next((request.socket as TLSSocket).encrypted ? undefined : "router");
  });
  const prefixes = ["/.well-known/est", "/.well-known/est/:label"];
  for (const prefix of prefixes) {
    router.get(`${prefix}/cacerts`, async (request: Request, response: Response) => {
      response.locals.operationId = "est.cacerts";
      labelOf(request);
      await gate.admit(request, EST_OPERATIONS.cacerts, "public", async () => undefined);
      const ca = await context.issuingCa.current();
      sendCertsOnly(response, [new Uint8Array(ca.certificate.rawData), new Uint8Array(ca.root.rawData)]);
    });
    for (const operation of ["simpleenroll", "simplereenroll"] as const) {
      router.post(`${prefix}/${operation}`, async (request: Request, response: Response) => {
        response.locals.operationId = `est.${operation}`;
        const { principal, body } = await gate.admit(
          request,
          EST_OPERATIONS[operation],
          "caller",
          (caller) => {
            response.locals.actor = identityOf(caller);
            return readBody({ mediaType: "application/pkcs10" }, request, response);
          },
        );
        response.locals.actor = identityOf(principal);
        const issued = await enrollOverEst(await withCurrentCa(context), {
          operation,
          csr: body as Uint8Array,
          credential: credentialOf(principal),
          requester: identityOf(principal),
          edgeCa: options.edgeCa,
          label: labelOf(request),
        }).catch(async (error: unknown) => {
          await gate.refused(request, principal, error);
          throw error;
        });
        // Only the issued certificate: IoT Edge appends /cacerts itself.
        sendCertsOnly(response, [issued.certificateDer]);
      });
    }
  }
  router.all(["/.well-known/est", "/.well-known/est/*rest"], (request: Request) => {
    throw new CaError("not_found", `no EST operation at ${request.method} ${request.path}`);
  });
  router.use(estErrorHandler(options.logger));
  return router;
}

function labelOf(request: Request): string | undefined {
  const { label } = request.params;
  if (typeof label !== "string") return undefined;
  // RFC 7030 §3.2.2: a label is never an operation's name.
  if (!LABEL.test(label) || OPERATION_NAMES.has(label))
    throw new CaError("not_found", "no such EST CA label");
  return label;
}

function sendCertsOnly(response: Response, certificates: readonly Uint8Array[]): void {
  response.status(200).setHeader("Content-Type", CERTS_ONLY);
  // Bytes, so that express adds no charset; Content-Length is set, as strongSwan requires.
  response.send(Buffer.from(certsOnlyPkcs7Base64(certificates), "latin1"));
}

/** The EST credential a principal stands for. */
function credentialOf(principal: Principal): EstCredential {
  const holder = principal.holder;
  if (holder?.kind === "manufacturer") return { kind: "manufacturer", commonName: principal.subject };
  if (holder !== undefined) {
    return {
      kind: "issued",
      profile: holder.kind ?? "device",
      deviceId: principal.subject,
      certificate: holder.certificate,
    };
  }
  return { kind: "principal", principal };
}

/**
 * Errors as RFC 8951 allows: the status and headers of the problem table (Retry-After on 429),
 * a one-line text/plain body, and a Basic challenge on 401.
 */
function estErrorHandler(logger: Logger) {
  return (error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const caError =
      error instanceof CaError
        ? error
        : new CaError("internal", "internal error; nothing was issued", { cause: error });
    const problem = renderProblem(caError);
    if (problem.status >= 500) {
      logger.error("request failed", {
        method: request.method,
        path: request.path,
        error: describeError(error),
      });
    }
    for (const [name, value] of Object.entries(problem.headers)) response.setHeader(name, value);
    if (problem.status === 401) response.setHeader("WWW-Authenticate", EST_CHALLENGE);
    response.status(problem.status).type("text/plain").send(`${caError.message}\n`);
  };
}
