#!/usr/bin/env node
// The packages run from their TypeScript sources (no build step): tsx's loader compiles them, and a resolve
// hook adds the "aviary-source" export condition, as `node --conditions=aviary-source` would, so that the
// workspace packages resolve to `src/` rather than to the `dist/` build they export to npm consumers.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
// Registered after tsx, so it runs first (hooks chain last in, first out) and tsx resolves with the condition.
register(
  "data:text/javascript,export function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...context.conditions, 'aviary-source'] }); }",
);
await import("../src/bin.ts");
