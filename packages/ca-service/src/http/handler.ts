import type {
  OperationDefinition,
  ParamsOf,
  QueryOf,
  RequestBodyOf,
  ResponseBodyOf,
} from "@edge-pki/api-contract";
import type { Request } from "express";
import type { Principal } from "../core/principal.js";

export interface HandlerInput<Operation extends OperationDefinition> {
  body: RequestBodyOf<Operation>;
  params: ParamsOf<Operation>;
  query: QueryOf<Operation>;
  /** Who is calling, as the operation's authentication established; anonymous for public operations. */
  principal: Principal;
  request: Request;
}

/**
 * What a handler answers: the body as the service writes it (JSON by its schema's input, PEM as
 * text, DER as bytes); the status and the media type are the operation's own.
 */
export interface HandlerResult<Operation extends OperationDefinition> {
  body: ResponseBodyOf<Operation, "input">;
  headers?: Record<string, string>;
}

/** Decodes nothing and authorises nothing: calls one application operation and renders its result. */
export type Handler<Operation extends OperationDefinition> = (
  input: HandlerInput<Operation>,
) => Promise<HandlerResult<Operation>>;

/** One handler for every operation of a table: a missing one is a type error, not a 404 at run time. */
export type Handlers<Table extends Record<string, OperationDefinition>> = {
  [Id in keyof Table]: Handler<Table[Id]>;
};
