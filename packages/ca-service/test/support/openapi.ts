/** The parts of the served OpenAPI document that tests read; the document is not validated by this type. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, { type: string; scheme?: string }>;
  };
}

export interface OpenApiOperation {
  security?: Record<string, string[]>[];
  "x-required-permission"?: string[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface JsonSchema {
  $ref?: string;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, JsonSchema>;
  pattern?: string;
  enum?: string[];
}
