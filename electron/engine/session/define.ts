// One place per API method: a method is its argument schema (checked at runtime, at every
// boundary) and its handler (typed from the same schema), defined side by side in its domain's
// service file. The method list, the TypeScript API type and the validation all derive from the
// merged handler map in ../api.ts, so adding a method touches one file plus its test.
import type { z } from 'zod';
import { isLabError, LabFailure } from '../../../shared/api';
import type { LabError } from '../../../shared/types';
import type { Session } from './session';

type ArgsSchema = z.ZodType<unknown[], unknown[]>;

export interface Method<S extends ArgsSchema = ArgsSchema, R = unknown> {
  /** The argument tuple as it crosses a boundary. */
  readonly args: S;
  /** Receives the schema's parsed output: a handler's declared argument types must accept it. */
  readonly run: (session: Session, ...args: z.output<S>) => Promise<R>;
}

export type Handlers = Record<string, Method<any, unknown>>;

/** Declares a method: its argument schema and the handler that receives the parsed arguments. */
export function method<S extends ArgsSchema, R>(args: S, run: (session: Session, ...args: z.output<S>) => Promise<R>): Method<S, R> {
  return { args, run };
}

/** The callable API a handler map describes: each method takes what its schema accepts. */
export type ApiOf<H> = {
  [K in keyof H]: H[K] extends Method<infer S, infer R> ? (...args: z.input<S>) => Promise<R> : never;
};

/** Validates one call against its method's schema; a LabFailure('bad-request') names the field. */
export function validateArgs<H extends Handlers>(handlers: H, method: unknown, args: unknown): { method: keyof H & string; args: unknown[] } {
  if (typeof method !== 'string' || !Object.hasOwn(handlers, method)) {
    throw new LabFailure('bad-request', `Unknown request "${String(method).slice(0, 80)}".`);
  }
  const parsed = handlers[method].args.safeParse(args);
  if (!parsed.success) {
    // a path the engine does not serve (shared/schemas.ts pathPolicy): its own words, not "malformed"
    const refused = parsed.error.issues.find((i: z.core.$ZodIssue) => i.code === 'custom' && isLabError((i as { params?: { refused?: unknown } }).params?.refused));
    if (refused) {
      const e = (refused as { params: { refused: LabError } }).params.refused;
      throw new LabFailure(e.code, e.message, e.detail);
    }
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new LabFailure('bad-request', `Malformed ${method} request${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return { method, args: parsed.data };
}
