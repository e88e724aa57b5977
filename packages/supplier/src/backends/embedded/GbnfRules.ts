/**
 * The rules of one GBNF grammar (llama.cpp's grammar format) being composed: named rules with fresh names,
 * the compact JSON primitives (no whitespace anywhere, so that a generated value is one fixed spelling of
 * itself), and literals. `toGrammar(root)` writes the file.
 *
 * @example
 * ```ts
 * const rules = new GbnfRules();
 * const value = rules.add(`${GbnfRules.literal('{"ok":')} ${rules.primitive("boolean")} "}"`);
 * const gbnf = rules.toGrammar(value);
 * ```
 */
export class GbnfRules {
  /** Rules past this many make a schema too large to compile (a guard against pathological schemas). */
  static readonly maxRules = 4096;
  readonly #rules = new Map<string, string>();
  #next = 0;

  /** Rules defined so far. */
  get size(): number {
    return this.#rules.size;
  }

  /** A fresh rule name (`r<n>`), to be defined later with {@link define} (recursive references). */
  reserve(): string {
    return `r${this.#next++}`;
  }

  /** Defines a reserved rule. */
  define(name: string, body: string): void {
    this.#rules.set(name, body);
  }

  /** Defines a new rule with `body` and returns its name. */
  add(body: string): string {
    const name = this.reserve();
    this.define(name, body);
    return name;
  }

  /**
   * The rule of a JSON primitive, compact: `string` (any JSON string: no raw control characters, escapes
   * other than lone surrogates, so each item is one code point and `minLength`/`maxLength` count exactly as
   * JSON Schema does), `char` (one item of a string), `integer` (at most 16 digits: exact as a JavaScript
   * number), `number` (an integer part, an optional fraction and a two-digit exponent at most: never
   * Infinity), `boolean`, `null`, `value` (any JSON value), `object` (any object), `array` (any array).
   */
  primitive(
    kind: "string" | "char" | "integer" | "number" | "boolean" | "null" | "value" | "object" | "array",
  ): string {
    const name = `json-${kind}`;
    if (this.#rules.has(name)) return name;
    // Defined before the body is built: `value`, `object` and `array` refer to each other.
    this.#rules.set(name, "");
    const body = {
      char: String.raw`[^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" ( [0-9a-cA-Ce-fE-F] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} ) )`,
      string: `"\\"" ${this.primitive("char")}* "\\""`,
      integer: `"-"? ( "0" | [1-9] [0-9]{0,15} )`,
      number: `${this.primitive("integer")} ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,2} )?`,
      boolean: `"true" | "false"`,
      null: `"null"`,
      value: ["object", "array", "string", "number", "boolean", "null"]
        .map((inner) => this.primitive(inner as "object"))
        .join(" | "),
      object: `"{" ( ${this.primitive("string")} ":" ${this.primitive("value")} ( "," ${this.primitive("string")} ":" ${this.primitive("value")} )* )? "}"`,
      array: `"[" ( ${this.primitive("value")} ( "," ${this.primitive("value")} )* )? "]"`,
    }[kind];
    this.#rules.set(name, body);
    return name;
  }

  /**
   * `text` as a GBNF string literal.
   *
   * @example
   * ```ts
   * GbnfRules.literal('{"a"'); // "\"{\\\"a\\\"\""
   * ```
   */
  static literal(text: string): string {
    let escaped = "";
    for (const character of text) {
      const code = character.codePointAt(0) as number;
      if (character === '"' || character === "\\") escaped += `\\${character}`;
      else if (character === "\n") escaped += "\\n";
      else if (character === "\r") escaped += "\\r";
      else if (character === "\t") escaped += "\\t";
      else if (code < 0x20) escaped += `\\x${code.toString(16).padStart(2, "0")}`;
      else escaped += character;
    }
    return `"${escaped}"`;
  }

  /**
   * `body` repeated between `min` and `max` times (`max` undefined: unbounded), as GBNF.
   *
   * @example
   * ```ts
   * GbnfRules.repeat("item", 0, 3); // "item{0,3}"
   * ```
   */
  static repeat(body: string, min: number, max: number | undefined): string {
    const group = /^[\w-]+$/.test(body) ? body : `( ${body} )`;
    if (max === 0) return "";
    if (min === 0 && max === undefined) return `${group}*`;
    if (min === 1 && max === undefined) return `${group}+`;
    if (min === 0 && max === 1) return `${group}?`;
    if (max === min) return `${group}{${min}}`;
    return `${group}{${min},${max ?? ""}}`;
  }

  /** The grammar file: `root ::= <root>` and every rule. */
  toGrammar(root: string): string {
    const lines = [`root ::= ${root}`];
    for (const [name, body] of this.#rules) lines.push(`${name} ::= ${body}`);
    return lines.join("\n");
  }
}
