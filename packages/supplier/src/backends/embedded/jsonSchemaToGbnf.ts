import { BackendInvalidRequestError } from "../errors.ts";
import { GbnfRules } from "./GbnfRules.ts";

export type JsonSchemaToGbnfParameters = {
  rules: GbnfRules;
  /** The schema (a JSON Schema object, or `true`). */
  schema: unknown;
  /** Where the schema sits in the request, for the 400 (`response_format.json_schema.schema`). */
  path: string;
};

export type JsonSchemaToGbnfErrorType = BackendInvalidRequestError;

/** Keywords that only annotate: they change nothing a validator checks. */
const annotations = new Set([
  "title",
  "description",
  "default",
  "examples",
  "$schema",
  "$id",
  "$comment",
  "deprecated",
  "readOnly",
  "writeOnly",
  "$defs",
  "definitions",
]);

/** Keywords enforced, by the type they apply to. Any other keyword is refused: the grammar could not hold it. */
const keywordsByType = {
  string: ["minLength", "maxLength"],
  integer: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
  number: [],
  boolean: [],
  null: [],
  object: ["properties", "required", "additionalProperties"],
  array: ["items", "prefixItems", "minItems", "maxItems", "uniqueItems"],
} as const satisfies Record<string, readonly string[]>;

type JsonType = keyof typeof keywordsByType;
const jsonTypes = Object.keys(keywordsByType) as JsonType[];

/**
 * Compiles a JSON Schema into GBNF rules whose every complete match is compact JSON that validates against
 * the schema, and returns the rule's name. What the grammar cannot enforce is refused with a 400 naming the
 * keyword's path, never silently dropped.
 *
 * Enforced: `type` (one or a list), `enum`, `const`, `anyOf`, `$ref` (`#`, `#/$defs/…`, `#/definitions/…`,
 * any JSON pointer into the root schema; recursion included), strings' `minLength` / `maxLength`,
 * integers' `minimum` / `maximum` / `exclusiveMinimum` / `exclusiveMaximum` (`multipleOf` only 1), objects'
 * `properties` / `required` / `additionalProperties` (declared properties are written, the required ones
 * first, in schema order; no extra ones, which every `additionalProperties` allows; an object with no
 * `properties` is any object, or a map under an `additionalProperties` schema), arrays' `items` /
 * `prefixItems` / `minItems` / `maxItems` (`uniqueItems` only false), and the annotations (`title`,
 * `description`, `default`, `examples`, …). Refused: `pattern`, `format`, bounds of non-integer numbers,
 * `multipleOf` other than 1, `oneOf`, `allOf`, `not`,
 * `if`/`then`/`else`, `patternProperties`, `propertyNames`, `minProperties`/`maxProperties`,
 * `dependentRequired`/`dependentSchemas`, `contains`, `uniqueItems: true`, `unevaluated*`, and any keyword
 * not listed (`nullable` included: it is OpenAPI, not JSON Schema).
 *
 * @param parameters - the rule set to add to, the schema and its path in the request.
 * @throws {BackendInvalidRequestError} naming the first keyword that cannot be enforced.
 * @example
 * ```ts
 * const rules = new GbnfRules();
 * const root = jsonSchemaToGbnf({ rules, schema: { type: "object", properties: { ok: { type: "boolean" } } }, path: "schema" });
 * const gbnf = rules.toGrammar(root);
 * ```
 */
export function jsonSchemaToGbnf({ rules, schema, path }: JsonSchemaToGbnfParameters): string {
  return new Compiler(rules, schema, path).compile(schema, path);
}

class Compiler {
  readonly #refs = new Map<string, string>();
  constructor(
    readonly rules: GbnfRules,
    readonly root: unknown,
    readonly rootPath: string,
  ) {}

  compile(schema: unknown, path: string): string {
    if (this.rules.size > GbnfRules.maxRules)
      refuse(path, "the schema is too large to compile into a grammar");
    if (schema === true) return this.rules.primitive("value");
    if (schema === false) refuse(path, "`false` allows no value");
    if (typeof schema !== "object" || schema === null || Array.isArray(schema))
      refuse(path, "must be a JSON Schema object");
    const node = schema as Record<string, unknown>;

    if (node.$ref !== undefined) {
      onlyAnnotations(node, path, ["$ref"]);
      return this.#ref(node.$ref, `${path}.$ref`);
    }
    if (node.anyOf !== undefined) {
      onlyAnnotations(node, path, ["anyOf"]);
      if (!Array.isArray(node.anyOf) || node.anyOf.length === 0)
        refuse(`${path}.anyOf`, "must be a non-empty array");
      const alternatives = node.anyOf.map((inner, index) => this.compile(inner, `${path}.anyOf.${index}`));
      return this.rules.add(alternatives.join(" | "));
    }
    const types = this.#types(node, path);
    if (node.const !== undefined || node.enum !== undefined) return this.#literals(node, path, types);

    for (const key of Object.keys(node)) {
      if (annotations.has(key) || key === "type") continue;
      const applies = types.filter((type) => (keywordsByType[type] as readonly string[]).includes(key));
      if (applies.length === 0) refuse(`${path}.${key}`, unsupportedReason(key));
    }
    const alternatives = types.map((type) => this.#typed(type, node, path));
    return alternatives.length === 1 ? (alternatives[0] as string) : this.rules.add(alternatives.join(" | "));
  }

  /** The types a node allows: its `type`, else what its keywords imply, else all of them. */
  #types(node: Record<string, unknown>, path: string): JsonType[] {
    const type = node.type;
    if (type === undefined) {
      if (["properties", "required", "additionalProperties"].some((key) => key in node)) return ["object"];
      if (["items", "prefixItems", "minItems", "maxItems", "uniqueItems"].some((key) => key in node))
        return ["array"];
      if (["minLength", "maxLength"].some((key) => key in node)) return ["string"];
      return jsonTypes;
    }
    const list = Array.isArray(type) ? type : [type];
    if (list.length === 0) refuse(`${path}.type`, "must name at least one type");
    for (const [index, entry] of list.entries()) {
      if (!jsonTypes.includes(entry as JsonType))
        refuse(
          Array.isArray(type) ? `${path}.type.${index}` : `${path}.type`,
          `unknown type ${JSON.stringify(entry)}`,
        );
    }
    return [...new Set(list as JsonType[])];
  }

  #literals(node: Record<string, unknown>, path: string, types: JsonType[]): string {
    onlyAnnotations(node, path, ["const", "enum", "type"]);
    let values: unknown[];
    if (node.const !== undefined) {
      values = [node.const];
      if (node.enum !== undefined) refuse(`${path}.enum`, "cannot be combined with const");
    } else {
      if (!Array.isArray(node.enum) || node.enum.length === 0)
        refuse(`${path}.enum`, "must be a non-empty array");
      values = node.enum;
    }
    const allowed = values.filter((value) => types.some((type) => hasType(value, type)));
    if (allowed.length === 0) refuse(path, "no value of enum/const has the schema's type");
    const literals = [...new Set(allowed.map((value) => GbnfRules.literal(JSON.stringify(value))))];
    return this.rules.add(literals.join(" | "));
  }

  #typed(type: JsonType, node: Record<string, unknown>, path: string): string {
    switch (type) {
      case "string":
        return this.#string(node, path);
      case "object":
        return this.#object(node, path);
      case "array":
        return this.#array(node, path);
      case "integer":
        return this.#integer(node, path);
      case "number":
        for (const key of numericBounds)
          if (node[key] !== undefined)
            refuse(
              `${path}.${key}`,
              "bounds on non-integer numbers cannot be enforced by the runtime's grammar",
            );
        return this.rules.primitive("number");
      default:
        return this.rules.primitive(type);
    }
  }

  #string(node: Record<string, unknown>, path: string): string {
    const min = count(node.minLength, `${path}.minLength`) ?? 0;
    const max = count(node.maxLength, `${path}.maxLength`);
    if (min === 0 && max === undefined) return this.rules.primitive("string");
    if (max !== undefined && max < min) refuse(`${path}.maxLength`, "is below minLength");
    const char = this.rules.primitive("char");
    return this.rules.add(`"\\"" ${GbnfRules.repeat(char, min, max)} "\\""`);
  }

  #integer(node: Record<string, unknown>, path: string): string {
    const bound = (key: string) => {
      const value = node[key];
      if (value === undefined) return undefined;
      if (typeof value !== "number" || !Number.isFinite(value)) refuse(`${path}.${key}`, "must be a number");
      return value;
    };
    const multipleOf = bound("multipleOf");
    if (multipleOf !== undefined && multipleOf !== 1)
      refuse(`${path}.multipleOf`, "only 1 can be enforced by the runtime's grammar");
    const limits = [bound("minimum"), bound("exclusiveMinimum"), bound("maximum"), bound("exclusiveMaximum")];
    const [minimum, exclusiveMinimum, maximum, exclusiveMaximum] = limits;
    if (limits.every((limit) => limit === undefined)) return this.rules.primitive("integer");
    // The grammar writes at most 16 digits: bounds beyond that are the grammar's own.
    let low = -largestInteger;
    let high = largestInteger;
    if (minimum !== undefined) low = Math.max(low, Math.ceil(minimum));
    if (exclusiveMinimum !== undefined) low = Math.max(low, Math.floor(exclusiveMinimum) + 1);
    if (maximum !== undefined) high = Math.min(high, Math.floor(maximum));
    if (exclusiveMaximum !== undefined) high = Math.min(high, Math.ceil(exclusiveMaximum) - 1);
    if (low > high) refuse(path, "no integer lies within its bounds");
    const alternatives: string[] = [];
    if (low < 0) alternatives.push(`"-" ${digitRange(Math.max(1, -high), -low)}`);
    if (high >= 0) alternatives.push(digitRange(Math.max(0, low), high));
    return this.rules.add(alternatives.join(" | "));
  }

  #object(node: Record<string, unknown>, path: string): string {
    const properties = node.properties;
    const additional = node.additionalProperties;
    if (
      properties !== undefined &&
      (typeof properties !== "object" || properties === null || Array.isArray(properties))
    )
      refuse(`${path}.properties`, "must be an object of schemas");
    const entries = Object.entries((properties ?? {}) as Record<string, unknown>);
    const required = node.required ?? [];
    if (!Array.isArray(required) || required.some((name) => typeof name !== "string"))
      refuse(`${path}.required`, "must be an array of property names");
    for (const name of required as string[]) {
      if (!entries.some(([key]) => key === name))
        refuse(`${path}.required`, `names "${name}", which has no schema in properties`);
    }
    if (additional !== undefined && typeof additional !== "boolean")
      // Checked even when unused: a schema the grammar cannot hold is refused wherever it is.
      this.#checkOnly(additional, `${path}.additionalProperties`);
    if (entries.length === 0) {
      if (additional === false) return this.rules.add(`"{}"`);
      if (additional === undefined || additional === true) return this.rules.primitive("object");
      const value = this.compile(additional, `${path}.additionalProperties`);
      const key = this.rules.primitive("string");
      return this.rules.add(`"{" ( ${key} ":" ${value} ( "," ${key} ":" ${value} )* )? "}"`);
    }
    const pair = ([key, schema]: [string, unknown]) =>
      `${GbnfRules.literal(`${JSON.stringify(key)}:`)} ${this.compile(schema, `${path}.properties.${key}`)}`;
    const mandatory = entries.filter(([key]) => (required as string[]).includes(key)).map(pair);
    const optional = entries.filter(([key]) => !(required as string[]).includes(key)).map(pair);
    // Optional properties, each present or not, in order: `tail(i)` is what may follow once one is written.
    const tails: string[] = [];
    let tail = "";
    for (let index = optional.length - 1; index >= 0; index--) {
      tail = this.rules.add(`( "," ${optional[index]} )? ${tail}`.trim());
      tails[index] = tail;
    }
    if (mandatory.length > 0) return this.rules.add(`"{" ${mandatory.join(' "," ')} ${tails[0] ?? ""} "}"`);
    const firsts = optional.map((first, index) => `${first} ${tails[index + 1] ?? ""}`.trim());
    return this.rules.add(`"{" ( ${firsts.join(" | ")} )? "}"`);
  }

  #array(node: Record<string, unknown>, path: string): string {
    if (node.uniqueItems === true)
      refuse(`${path}.uniqueItems`, "unique items cannot be enforced by a grammar");
    if (Array.isArray(node.items))
      refuse(`${path}.items`, "the array form of items is not supported: use prefixItems");
    const min = count(node.minItems, `${path}.minItems`) ?? 0;
    const max = count(node.maxItems, `${path}.maxItems`);
    if (max !== undefined && max < min) refuse(`${path}.maxItems`, "is below minItems");
    const prefix = node.prefixItems ?? [];
    if (!Array.isArray(prefix)) refuse(`${path}.prefixItems`, "must be an array of schemas");
    const fixed = prefix.map((inner, index) => this.compile(inner, `${path}.prefixItems.${index}`));
    if (max !== undefined && max < fixed.length)
      refuse(`${path}.maxItems`, "is below the number of prefixItems (not supported)");
    const closed = node.items === false;
    const item = closed ? undefined : this.compile(node.items ?? true, `${path}.items`);
    const moreMin = Math.max(0, min - fixed.length);
    const moreMax = max === undefined ? undefined : max - fixed.length;
    if (closed && moreMin > 0) refuse(`${path}.minItems`, "needs more items than prefixItems allows");
    if (fixed.length > 0) {
      const rest =
        item === undefined || moreMax === 0 ? "" : GbnfRules.repeat(`"," ${item}`, moreMin, moreMax);
      return this.rules.add(`"[" ${fixed.join(' "," ')} ${rest} "]"`);
    }
    if (item === undefined || moreMax === 0) return this.rules.add(`"[]"`);
    const others = GbnfRules.repeat(
      `"," ${item}`,
      Math.max(0, moreMin - 1),
      moreMax === undefined ? undefined : moreMax - 1,
    );
    const items = `${item} ${others}`.trim();
    return this.rules.add(moreMin === 0 ? `"[" ( ${items} )? "]"` : `"[" ${items} "]"`);
  }

  /** Compiles a schema only to refuse what it cannot hold (its rules stay unused). */
  #checkOnly(schema: unknown, path: string): void {
    this.compile(schema, path);
  }

  #ref(reference: unknown, path: string): string {
    if (typeof reference !== "string" || !reference.startsWith("#"))
      refuse(path, "only references inside the schema (#…) are supported");
    const known = this.#refs.get(reference);
    if (known) return known;
    const name = this.rules.reserve();
    this.#refs.set(reference, name);
    const pointer = reference.slice(1);
    let target: unknown = this.root;
    let targetPath = this.rootPath;
    if (pointer !== "") {
      if (!pointer.startsWith("/")) refuse(path, "must be # or a JSON pointer (#/$defs/name)");
      for (const raw of pointer.slice(1).split("/")) {
        const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
        target =
          typeof target === "object" && target !== null
            ? (target as Record<string, unknown>)[key]
            : undefined;
        targetPath += `.${key}`;
        if (target === undefined) refuse(path, `${reference} points at nothing`);
      }
    }
    this.rules.define(name, this.compile(target, targetPath));
    return name;
  }
}

const numericBounds = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"] as const;
/** Bounds are clamped to the integers a JavaScript number holds exactly (what zod's `int()` declares). */
const largestInteger = Number.MAX_SAFE_INTEGER;

/** GBNF for the decimal integers in [low, high] (0 ≤ low ≤ high), without leading zeros. */
function digitRange(low: number, high: number): string {
  const lowText = BigInt(low).toString();
  const highText = BigInt(high).toString();
  const alternatives: string[] = [];
  for (let length = lowText.length; length <= highText.length; length++) {
    const from = length === lowText.length ? lowText : `1${"0".repeat(length - 1)}`;
    const to = length === highText.length ? highText : "9".repeat(length);
    alternatives.push(sameLengthRange(from, to));
  }
  return `( ${alternatives.join(" | ")} )`;
}

/** GBNF for the digit strings of one length between `from` and `to` (inclusive). */
function sameLengthRange(from: string, to: string): string {
  if (from.length === 0) return "";
  if (/^0*$/.test(from.slice(1)) && /^9*$/.test(to.slice(1))) {
    const head = from[0] === to[0] ? `"${from[0]}"` : `[${from[0]}-${to[0]}]`;
    return from.length === 1 ? head : `${head} [0-9]{${from.length - 1}}`;
  }
  const first = Number(from[0]);
  const last = Number(to[0]);
  const rest = from.length - 1;
  if (first === last) return `"${first}" ${sameLengthRange(from.slice(1), to.slice(1))}`;
  const parts = [`"${first}" ${sameLengthRange(from.slice(1), "9".repeat(rest))}`];
  if (last - first > 1) parts.push(`[${first + 1}-${last - 1}] [0-9]{${rest}}`);
  parts.push(`"${last}" ${sameLengthRange("0".repeat(rest), to.slice(1))}`);
  return `( ${parts.join(" | ")} )`;
}

function onlyAnnotations(node: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(node)) {
    if (annotations.has(key) || allowed.includes(key)) continue;
    const with_ = allowed.find((name) => name !== "type" && name in node) ?? allowed[0];
    refuse(`${path}.${key}`, `cannot be combined with ${with_} (only annotations can)`);
  }
}

function count(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    refuse(path, "must be a non-negative integer");
  if (value > 100_000) refuse(path, "is too large to enforce");
  return value;
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function unsupportedReason(keyword: string): string {
  if (keyword === "pattern" || keyword === "format")
    return `${keyword} cannot be enforced by the runtime's grammar`;
  if (keyword === "oneOf") return "oneOf (exactly one) cannot be enforced by a grammar: use anyOf";
  if (Object.values(keywordsByType).some((list) => (list as readonly string[]).includes(keyword)))
    return "does not apply to the schema's type";
  return "this keyword cannot be enforced by the runtime's grammar";
}

function refuse(path: string, reason: string): never {
  throw new BackendInvalidRequestError({ reason: `\`${path}\`: ${reason}`, param: path });
}
