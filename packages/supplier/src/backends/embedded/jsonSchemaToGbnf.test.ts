// The compiled grammars, checked exhaustively without the runtime: a non-recursive GBNF grammar is a regular
// language, so it converts to a RegExp, and every candidate value is matched against it and against a validator.
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { BackendInvalidRequestError } from "../errors.ts";
import { GbnfRules } from "./GbnfRules.ts";
import { jsonSchemaToGbnf } from "./jsonSchemaToGbnf.ts";

/** A RegExp matching exactly the grammar's language (rules inlined; recursion is not supported). */
function grammarRegex(gbnf: string): RegExp {
  const rules = new Map<string, string>();
  for (const line of gbnf.split("\n")) {
    const at = line.indexOf(" ::= ");
    rules.set(line.slice(0, at), line.slice(at + 5));
  }
  const convert = (body: string, depth: number): string => {
    if (depth > 50) throw new Error("recursive grammar");
    let out = "";
    let index = 0;
    while (index < body.length) {
      const character = body[index] as string;
      if (character === " ") {
        index++;
      } else if (character === '"') {
        let text = "";
        index++;
        while (body[index] !== '"') {
          if (body[index] === "\\") {
            const next = body[index + 1] as string;
            if (next === "x") {
              text += String.fromCharCode(Number.parseInt(body.slice(index + 2, index + 4), 16));
              index += 4;
              continue;
            }
            text += { n: "\n", r: "\r", t: "\t" }[next] ?? next;
            index += 2;
            continue;
          }
          text += body[index];
          index++;
        }
        index++;
        out += `(?:${text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")})`;
      } else if (character === "[") {
        const start = index;
        index++;
        while (body[index] !== "]") index += body[index] === "\\" ? 2 : 1;
        index++;
        out += body.slice(start, index);
      } else if (character === "{") {
        const end = body.indexOf("}", index);
        out += body.slice(index, end + 1);
        index = end + 1;
      } else if ("()|?*+.".includes(character)) {
        out += character === "(" ? "(?:" : character;
        index++;
      } else {
        const name = /^[\w-]+/.exec(body.slice(index))?.[0] as string;
        out += `(?:${convert(rules.get(name) as string, depth + 1)})`;
        index += name.length;
      }
    }
    return out;
  };
  return new RegExp(`^(?:${convert(rules.get("root") as string, 0)})$`, "su");
}

function compile(schema: unknown, path = "schema"): RegExp {
  const rules = new GbnfRules();
  return grammarRegex(rules.toGrammar(jsonSchemaToGbnf({ rules, schema, path })));
}

describe("jsonSchemaToGbnf", () => {
  test("test_integerBounds_exactlyTheIntegersInRange", () => {
    const bounds: Record<string, number>[] = [
      { minimum: 0, maximum: 9 },
      { minimum: -3, maximum: 250 },
      { minimum: 17, maximum: 1234 },
      { exclusiveMinimum: -101, exclusiveMaximum: -7 },
      { minimum: 5 },
      { maximum: -20 },
      { minimum: 1.5, maximum: 99.5 },
      { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
    ];
    for (const bound of bounds) {
      const regex = compile({ type: "integer", ...bound });
      const validator = z
        .number()
        .int()
        .refine((value) => bound.minimum === undefined || value >= bound.minimum)
        .refine((value) => bound.maximum === undefined || value <= bound.maximum)
        .refine((value) => bound.exclusiveMinimum === undefined || value > bound.exclusiveMinimum)
        .refine((value) => bound.exclusiveMaximum === undefined || value < bound.exclusiveMaximum);
      for (let value = -1500; value <= 1500; value++) {
        expect(regex.test(String(value)), `${JSON.stringify(bound)} ${value}`).toBe(
          validator.safeParse(value).success,
        );
      }
      for (const text of ["01", "-0", "+5", "1.0", "1e2", ""]) expect(regex.test(text), text).toBe(false);
    }
  });

  test("test_stringLengths_countCodePointsAndEscapes", () => {
    const regex = compile({ type: "string", minLength: 2, maxLength: 3 });
    for (const [text, valid] of [
      ['"ab"', true],
      ['"abc"', true],
      ['"a"', false],
      ['"abcd"', false],
      ['"a\\n"', true],
      ['"\\u00e9\\"x"', true],
      ['"é🙂"', true],
      ['"\\ud83d\\ude42"', false], // lone surrogate escapes are not written: each item is one code point
      ['"a\nb"', false], // raw control characters are not JSON
    ] as const) {
      expect(regex.test(text), text).toBe(valid);
      if (valid) expect((JSON.parse(text) as string).length).toBeGreaterThanOrEqual(2);
    }
  });

  test("test_objects_requiredFirst_optionalInOrder_noWhitespace", () => {
    const regex = compile({
      type: "object",
      properties: { a: { type: "boolean" }, b: { enum: ["x", 1, null] }, c: { type: "null" } },
      required: ["b"],
    });
    for (const [text, valid] of [
      ['{"b":"x"}', true],
      ['{"b":1,"a":true}', true],
      ['{"b":null,"c":null}', true],
      ['{"b":1,"a":false,"c":null}', true],
      ['{"b":1,"c":null,"a":false}', false],
      ['{"a":true}', false],
      ['{"b": 1}', false],
      ['{"b":2}', false],
    ] as const) {
      expect(regex.test(text), text).toBe(valid);
    }
    const optional = compile({ type: "object", properties: { a: { type: "null" }, b: { type: "null" } } });
    for (const [text, valid] of [
      ["{}", true],
      ['{"a":null}', true],
      ['{"b":null}', true],
      ['{"a":null,"b":null}', true],
      ['{,"b":null}', false],
      ['{"a":null,}', false],
    ] as const) {
      expect(optional.test(text), text).toBe(valid);
    }
  });

  test("test_arrays_itemBoundsAndPrefixItems", () => {
    const bounded = compile({ type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 });
    expect(["[true]", "[true,false]", "[true,false,true]"].every((text) => bounded.test(text))).toBe(true);
    expect(["[]", "[true,false,true,true]", "[true,]"].some((text) => bounded.test(text))).toBe(false);
    const tuple = compile({ type: "array", prefixItems: [{ type: "null" }, { const: 2 }], items: false });
    expect(tuple.test("[null,2]")).toBe(true);
    expect(tuple.test("[null]")).toBe(false);
    expect(tuple.test("[null,2,2]")).toBe(false);
  });

  test("test_unenforceableKeywords_refusedWithTheirPath", () => {
    const cases: [unknown, string][] = [
      [{ type: "string", pattern: "a" }, "s.pattern"],
      [{ type: "number", maximum: 3 }, "s.maximum"],
      [{ type: "integer", multipleOf: 2 }, "s.multipleOf"],
      [{ allOf: [] }, "s.allOf"],
      [{ anyOf: [{ type: "string" }], minLength: 2 }, "s.minLength"],
      [{ type: "object", properties: { a: { not: {} } } }, "s.properties.a.not"],
      [{ type: "object", required: ["a"] }, "s.required"],
      [{ type: "array", items: [{ type: "string" }] }, "s.items"],
      [{ $ref: "#/$defs/missing" }, "s.$ref"],
      [{ type: "integer", minimum: 5, maximum: 1 }, "s"],
      [{ type: "strings" }, "s.type"],
    ];
    for (const [schema, path] of cases) {
      const error = (() => {
        try {
          compile(schema, "s");
        } catch (caught) {
          return caught;
        }
      })();
      expect(error, path).toBeInstanceOf(BackendInvalidRequestError);
      expect((error as Error).message, path).toContain(`\`${path}\``);
    }
  });
});
