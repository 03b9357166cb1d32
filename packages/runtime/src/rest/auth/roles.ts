/**
 * Roles of REST users (Sluice's own, beyond Kafka): `viewer` reads (GET), `operator` also pauses,
 * resumes, restarts and stops, `admin` does everything. Each route of the route table needs one.
 */
import { ROUTES } from '../api-spec.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The operations an operator may run besides reads. */
export const OPERATOR_OPERATIONS: ReadonlySet<string> = new Set([
  'pauseConnector',
  'resumeConnector',
  'restartConnector',
  'restartTask',
  'stopConnector',
]);

/** The role a route needs, by its operation id; unknown routes (the schema registry's) by method. */
export function requiredRole(operationId: string | undefined, method: string): Role {
  if (operationId !== undefined) {
    const route = ROUTES.find((r) => r.operationId === operationId);
    if (route !== undefined) {
      if (route.method === 'GET') return 'viewer';
      if (OPERATOR_OPERATIONS.has(operationId)) return 'operator';
      return 'admin';
    }
  }
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'admin';
}

/** True when `held` includes what `needed` allows. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** Parses a role name (any case); undefined for anything else. */
export function parseRole(value: string): Role | undefined {
  const v = value.trim().toLowerCase();
  return (ROLES as readonly string[]).includes(v) ? (v as Role) : undefined;
}

/** The highest of several role names (a JWT's `roles` claim may list several); unknown names are ignored. */
export function highestRole(values: readonly string[]): Role | undefined {
  let best: Role | undefined;
  for (const v of values) {
    const r = parseRole(v);
    if (r !== undefined && (best === undefined || roleAllows(r, best))) best = r;
  }
  return best;
}
