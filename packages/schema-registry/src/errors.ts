/**
 * Confluent Schema Registry's error answers: an HTTP status and a body `{"error_code": n,
 * "message": "..."}` whose codes clients branch on (Python's and Java's clients read
 * `error_code`, e.g. 40401 to tell a missing subject from a missing schema).
 */
export class RegistryError extends Error {
  readonly status: number;
  readonly errorCode: number;

  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.name = 'RegistryError';
    this.status = status;
    this.errorCode = errorCode;
  }

  toBody(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const Errors = {
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (version: number | string) =>
    new RegistryError(404, 40402, `Version ${version} not found.`),
  schemaNotFound: (detail = 'Schema not found') => new RegistryError(404, 40403, detail),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(
      404,
      40404,
      `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`,
    ),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(
      404,
      40405,
      `Subject '${subject}' was not deleted first before being permanently deleted`,
    ),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      404,
      40406,
      `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`,
    ),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      404,
      40407,
      `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
    ),
  subjectConfigNotFound: (subject: string) =>
    new RegistryError(
      404,
      40408,
      `Subject '${subject}' does not have subject-level compatibility configured`,
    ),
  subjectModeNotFound: (subject: string) =>
    new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`),
  notFound: (path: string) => new RegistryError(404, 404, `HTTP 404 Not Found: ${path}`),
  methodNotAllowed: (method: string, path: string) =>
    new RegistryError(405, 405, `HTTP 405 Method Not Allowed: ${method} ${path}`),
  incompatible: (message: string) => new RegistryError(409, 409, message),
  referenceExists: (message: string) => new RegistryError(422, 42206, message),
  invalidSchema: (message: string) => new RegistryError(422, 42201, message),
  invalidVersion: (version: string) =>
    new RegistryError(
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  invalidCompatibilityLevel: (level: unknown) =>
    new RegistryError(
      422,
      42203,
      `Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive (got ${JSON.stringify(level)})`,
    ),
  invalidMode: (mode: unknown) =>
    new RegistryError(
      422,
      42204,
      `Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT (got ${JSON.stringify(mode)})`,
    ),
  operationNotPermitted: (message: string) => new RegistryError(422, 42205, message),
  badRequest: (message: string) => new RegistryError(400, 400, message),
  storeError: (message: string) => new RegistryError(500, 50001, message),
} as const;
