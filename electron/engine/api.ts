// The engine's API: every domain's handler map merged into one. The method list, the TypeScript
// API (shared/api.ts EngineApi) and the runtime validation of every call derive from here.
import { anomalyHandlers } from './anomalies/service';
import { compareHandlers } from './compare/service';
import { budgetHandlers } from './data/budget-service';
import { dataHandlers } from './data/service';
import { exploreHandlers } from './explore/service';
import { exportHandlers } from './export/service';
import { fileHandlers } from './files/service';
import { generateHandlers } from './generate/service';
import { validateArgs, type ApiOf, type Handlers } from './session/define';
import { jobHandlers } from './session/service';
import { everyRowHandlers } from './stream/service';
import { trainingHandlers } from './training/service';
import { workspaceHandlers } from './workspace/service';

const domains = [dataHandlers, budgetHandlers, jobHandlers, trainingHandlers, compareHandlers, generateHandlers, anomalyHandlers, exportHandlers, workspaceHandlers, exploreHandlers, fileHandlers, everyRowHandlers];

export const engineHandlers = {
  ...dataHandlers,
  ...budgetHandlers,
  ...jobHandlers,
  ...trainingHandlers,
  ...compareHandlers,
  ...generateHandlers,
  ...anomalyHandlers,
  ...exportHandlers,
  ...workspaceHandlers,
  ...exploreHandlers,
  ...fileHandlers,
  ...everyRowHandlers,
};

// two domains must never define the same method (a spread would silently keep only one)
{
  const seen = new Set<string>();
  for (const d of domains) {
    for (const name of Object.keys(d)) {
      if (seen.has(name)) throw new Error(`engine method ${name} is defined twice`);
      seen.add(name);
    }
  }
}

export type EngineHandlers = typeof engineHandlers;
export type EngineMethod = keyof EngineHandlers;
export type EngineApiOf = ApiOf<EngineHandlers>;

export const engineMethods = Object.keys(engineHandlers) as EngineMethod[];

/** Validates one engine call; throws a LabFailure('bad-request') naming the method and the field. */
export function validateCall(method: unknown, args: unknown): { method: EngineMethod; args: unknown[] } {
  return validateArgs(engineHandlers as Handlers, method, args) as { method: EngineMethod; args: unknown[] };
}
