/**
 * The OpenAPI 3.1 document of the public REST API, generated from the route table
 * ({@link ROUTES}); internal worker-to-worker routes are left out. `docs/openapi.json` is this
 * document, written by `write-openapi.ts`; a test keeps the two equal.
 */
import { SLUICE_VERSION } from '../version.ts';
import { COMPONENT_SCHEMAS, type JsonSchema, PATH_PARAMS, ROUTES, type RouteSpec } from './api-spec.ts';

function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => {
    const name = m[1]!;
    const param = PATH_PARAMS[name] ?? { description: name, schema: { type: 'string' } };
    return { name, in: 'path', required: true, description: param.description, schema: param.schema };
  });
}

function operation(route: RouteSpec): JsonSchema {
  const parameters = [
    ...pathParameters(route.path),
    ...(route.query ?? []).map((q) => ({
      name: q.name,
      in: 'query',
      required: false,
      description: q.description,
      schema: q.schema,
      ...(q.repeatable === true ? { style: 'form', explode: true } : {}),
    })),
  ];
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const entry: JsonSchema = { description: response.description };
    if (response.headers !== undefined) {
      entry.headers = Object.fromEntries(
        Object.entries(response.headers).map(([name, description]) => [
          name,
          { description, schema: { type: 'string' } },
        ]),
      );
    }
    if (response.schema !== undefined) entry.content = { 'application/json': { schema: response.schema } };
    responses[status] = entry;
  }
  const op: JsonSchema = { operationId: route.operationId, tags: [route.tag], summary: route.summary };
  if (route.description !== undefined) op.description = route.description;
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body !== undefined) {
    op.requestBody = {
      description: route.body.description,
      required: route.body.required,
      content: { 'application/json': { schema: route.body.schema } },
    };
  }
  op.responses = responses;
  return op;
}

/** The OpenAPI document (a fresh object on every call). */
export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ROUTES) {
    if (route.internal === true) continue;
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operation(route);
    paths[route.path] = item;
  }
  const tags = [...new Set(ROUTES.filter((r) => r.internal !== true).map((r) => r.tag))];
  return structuredClone({
    openapi: '3.1.0',
    info: {
      title: 'Sluice REST API',
      version: SLUICE_VERSION,
      description:
        'The Kafka Connect REST API as served by Sluice. Every error answer has the body `{"error_code": <status>, "message": <text>}`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://localhost:8083' }],
    tags: tags.map((name) => ({ name })),
    paths,
    components: { schemas: COMPONENT_SCHEMAS },
  });
}

/** The document as `docs/openapi.json` holds it: two-space indented JSON and a final newline. */
export function openApiJson(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
