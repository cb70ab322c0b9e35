/**
 * The service API (spec `service.json`, 2021-10-01): individual enrollments, enrollment groups,
 * their attestation mechanisms, queries with paging, and registration states.
 */
import type { EnrollmentKind, EnrollmentStore, StoredEnrollment } from "./enrollments.js";
import { badRequest, DpsError, notFound } from "./errors.js";
import { asObject, type Route, type RouteRequest, type RouteResult } from "./http.js";
import { type RegistrationLedger, renderState } from "./registrations.js";

/** The Node service SDK sends 2021-10-01; 2026-04-01 adds `credentialPolicyName`, stored as given. */
export const SERVICE_API_VERSIONS = ["2021-10-01", "2026-04-01"] as const;

const DEFAULT_PAGE_SIZE = 100;

export function serviceRoutes(enrollments: EnrollmentStore, ledger: RegistrationLedger): Route[] {
  const route = (method: string, path: string, handle: (request: RouteRequest) => RouteResult): Route => ({
    method,
    pattern: new RegExp(`^${path}$`, "i"),
    handle: (request) => {
      checkApiVersion(request.query.get("api-version"));
      return handle(request);
    },
  });
  const routes: Route[] = [];
  for (const [kind, prefix] of [
    ["enrollment", "/enrollments"],
    ["enrollmentGroup", "/enrollmentGroups"],
  ] as const) {
    routes.push(
      route("POST", `${prefix}/query`, (request) => query(enrollments.list(kind), kind, request)),
      route("GET", `${prefix}/([^/]+)`, ({ params }) => ({
        status: 200,
        body: find(enrollments, kind, params).body,
      })),
      route("PUT", `${prefix}/([^/]+)`, (request) => ({
        status: 200,
        body: enrollments.put(kind, request.params[0] as string, request.body, ifMatch(request)).body,
      })),
      route("DELETE", `${prefix}/([^/]+)`, (request) => {
        enrollments.delete(kind, request.params[0] as string, ifMatch(request));
        return { status: 204 };
      }),
      route("POST", `${prefix}/([^/]+)/attestationmechanism`, ({ params }) => ({
        status: 200,
        body: find(enrollments, kind, params).body.attestation,
      })),
    );
  }
  routes.push(
    route("GET", "/registrations/([^/]+)", ({ params }) => {
      const state = ledger.state(params[0] as string);
      if (state === undefined) throw notFound(`The registration '${params[0]}' does not exist.`);
      return { status: 200, body: renderState(state) };
    }),
    route("DELETE", "/registrations/([^/]+)", ({ params }) => {
      if (!ledger.delete(params[0] as string))
        throw notFound(`The registration '${params[0]}' does not exist.`);
      return { status: 204 };
    }),
    route("POST", "/registrations/([^/]+)/query", (request) => {
      const states = ledger.ofGroup(request.params[0] as string).map(renderState);
      return page(states, request, "DeviceRegistration");
    }),
  );
  return routes;
}

function checkApiVersion(version: string | null): void {
  if (version === null || !(SERVICE_API_VERSIONS as readonly string[]).includes(version)) {
    throw new DpsError(400, 400001, `The api-version '${version ?? ""}' is not supported.`);
  }
}

function ifMatch(request: RouteRequest): string | undefined {
  const value = request.headers["if-match"];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function find(store: EnrollmentStore, kind: EnrollmentKind, params: string[]): StoredEnrollment {
  const record = store.get(kind, params[0] as string);
  if (record === undefined)
    throw notFound(
      `The ${kind === "enrollment" ? "enrollment" : "enrollment group"} '${params[0]}' does not exist.`,
    );
  return record;
}

/** `QuerySpecification`: the emulator answers `*` and `SELECT * FROM enrollments|enrollmentGroups`. */
function query(records: StoredEnrollment[], kind: EnrollmentKind, request: RouteRequest): RouteResult {
  const specification = asObject(request.body, "QuerySpecification");
  if (typeof specification.query !== "string") throw badRequest("query is required.");
  const table = kind === "enrollment" ? "enrollments" : "enrollmentgroups";
  const text = specification.query.trim().replace(/\s+/g, " ").toLowerCase();
  if (text !== "*" && text !== `select * from ${table}`) {
    throw badRequest(`The emulator answers only '*' and 'SELECT * FROM ${table}'.`);
  }
  return page(
    records.map((record) => record.body),
    request,
    kind === "enrollment" ? "Enrollment" : "EnrollmentGroup",
  );
}

/** One page: `x-ms-max-item-count` items from the `x-ms-continuation` offset. */
function page(items: unknown[], request: RouteRequest, itemType: string): RouteResult {
  const sizeHeader = request.headers["x-ms-max-item-count"];
  const size =
    typeof sizeHeader === "string" && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : DEFAULT_PAGE_SIZE;
  if (size < 1) throw badRequest("x-ms-max-item-count must be at least 1.");
  const continuation = request.headers["x-ms-continuation"];
  const start = typeof continuation === "string" && /^\d+$/.test(continuation) ? Number(continuation) : 0;
  const slice = items.slice(start, start + size);
  const headers: Record<string, string> = { "x-ms-item-type": itemType, "x-ms-max-item-count": String(size) };
  if (start + size < items.length) headers["x-ms-continuation"] = String(start + size);
  return { status: 200, body: slice, headers };
}
