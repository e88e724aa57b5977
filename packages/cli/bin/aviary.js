#!/usr/bin/env node
// The packages are TypeScript sources (no build step); tsx's loader runs them directly.
import { register } from "tsx/esm/api";

register();
await import("../src/bin.ts");
