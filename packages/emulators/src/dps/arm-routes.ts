/**
 * ARM routes for a DPS instance's certificates, under
 * `/subscriptions/{subscriptionId}/resourceGroups/{rg}/providers/Microsoft.Devices/provisioningServices/{dps}/certificates`.
 * Any subscription, resource group and instance name is this instance. A bearer token is required.
 */
import type { ArmCertificate, ArmCertificateStore } from "./arm-certificates.js";
import { thumbprint } from "./certificates.js";
import { ArmError } from "./errors.js";
import type { Route, RouteRequest, RouteResult } from "./http.js";

/** What `@azure/arm-deviceprovisioningservices` 5.x (2022-02-05) and 6.x (2026-08-31) send. */
export const ARM_API_VERSIONS = ["2022-02-05", "2026-08-31"] as const;

const BASE =
  "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Devices/provisioningServices/([^/]+)/certificates";

export function armRoutes(store: ArmCertificateStore): Route[] {
  const route = (method: string, suffix: string, handle: (request: RouteRequest) => RouteResult): Route => ({
    method,
    pattern: new RegExp(`${BASE}${suffix}$`, "i"),
    handle: (request) => {
      checkApiVersion(request.query.get("api-version"));
      return handle(request);
    },
  });
  const ifMatch = (request: RouteRequest) => header(request, "if-match");
  return [
    route("GET", "", ({ params }) => ({
      status: 200,
      body: { value: store.list().map((certificate) => render(params, certificate)) },
    })),
    route("GET", "/([^/]+)", ({ params }) => {
      const certificate = store.get(params[3] as string);
      if (certificate === undefined)
        throw new ArmError(404, "NotFound", `The certificate '${params[3]}' does not exist.`);
      return { status: 200, body: render(params, certificate) };
    }),
    route("PUT", "/([^/]+)", (request) => ({
      status: 200,
      body: render(
        request.params,
        store.createOrUpdate(request.params[3] as string, request.body, ifMatch(request)),
      ),
    })),
    route("DELETE", "/([^/]+)", (request) => {
      store.delete(request.params[3] as string, ifMatch(request));
      return { status: 200 };
    }),
    route("POST", "/([^/]+)/generateVerificationCode", (request) => {
      const certificate = store.generateVerificationCode(request.params[3] as string, ifMatch(request));
      const rendered = render(request.params, certificate);
      const properties = rendered.properties as Record<string, unknown>;
      properties.verificationCode = certificate.verificationCode?.code;
      return { status: 200, body: rendered };
    }),
    route("POST", "/([^/]+)/verify", (request) => ({
      status: 200,
      body: render(request.params, store.verify(request.params[3] as string, ifMatch(request), request.body)),
    })),
  ];
}

function checkApiVersion(version: string | null): void {
  if (version === null || !(ARM_API_VERSIONS as readonly string[]).includes(version)) {
    throw new ArmError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${version ?? ""}' is invalid. The supported versions are '${ARM_API_VERSIONS.join(",")}'.`,
    );
  }
}

function header(request: RouteRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** `CertificateResponse`: times in RFC 1123, the certificate as base64 DER (a `bytes` field). */
function render(params: string[], certificate: ArmCertificate): Record<string, unknown> {
  const [subscription, group, instance] = params;
  return {
    id: `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Devices/provisioningServices/${instance}/certificates/${certificate.name}`,
    name: certificate.name,
    type: "Microsoft.Devices/provisioningServices/Certificates",
    etag: certificate.etag,
    properties: {
      subject: certificate.certificate.subject.replaceAll("\n", ", ").replace(/^CN=/, ""),
      expiry: new Date(certificate.certificate.validTo).toUTCString(),
      thumbprint: thumbprint(certificate.certificate, "sha1"),
      isVerified: certificate.isVerified,
      certificate: certificate.certificate.raw.toString("base64"),
      created: certificate.created.toUTCString(),
      updated: certificate.updated.toUTCString(),
    },
  };
}
