import {
  toolCallArgumentsOpening,
  toolCallItemEnd,
  toolCallJsonPrefix,
  toolCallNameOpening,
} from "@aviary/protocol";

/** A call read from the output: `arguments` is the JSON text exactly as generated (partial if the output was cut). */
export type ParsedToolCall = { name: string; arguments: string };

/** What a piece of output added: a call whose name is now complete, or more of a call's arguments. */
export type ToolCallOutputEvent =
  | { type: "call"; index: number; name: string }
  | { type: "arguments"; index: number; text: string };

// The format's own pieces (`formatToolCallJson`): a name is read from its opening quote to its closing one.
const itemHead = `${toolCallNameOpening}"`;
const argumentsHead = toolCallArgumentsOpening;

type State =
  | { at: "prefix" | "itemHead" | "argumentsHead" | "end"; matched: number }
  | { at: "name" }
  | { at: "arguments"; depth: number; inString: boolean; escaped: boolean; started: boolean }
  | { at: "itemEnd" | "afterItem" | "done" | "invalid" };

/**
 * Reads the call JSON of the tool-call format (`{"tool_calls":[{"name":"…","arguments":…},…]}`, see
 * `formatToolCallJson`) as it is generated, piece by piece: a call is announced once its name is complete,
 * then its arguments follow as they arrive. A piece that leaves the format makes the output `invalid` (not a
 * call: it is text); the output grammar makes that impossible once the prefix is written.
 *
 * @example
 * ```ts
 * const parser = new ToolCallOutputParser();
 * parser.push('{"tool_calls":[{"name":"now","argu'); // [{ type: "call", index: 0, name: "now" }]
 * parser.push('ments":{}}]}'); // [{ type: "arguments", index: 0, text: "{}" }]
 * parser.complete; // true
 * ```
 */
export class ToolCallOutputParser {
  readonly calls: ParsedToolCall[] = [];
  #state: State = { at: "prefix", matched: 0 };
  #name = "";

  /** The closing `]}` was read: every call is whole. */
  get complete(): boolean {
    return this.#state.at === "done";
  }

  /** The output left the format (or has text after it): it is not a call. */
  get invalid(): boolean {
    return this.#state.at === "invalid";
  }

  push(text: string): ToolCallOutputEvent[] {
    const events: ToolCallOutputEvent[] = [];
    let pending = "";
    const flush = () => {
      if (pending === "") return;
      events.push({ type: "arguments", index: this.calls.length - 1, text: pending });
      const call = this.calls.at(-1) as ParsedToolCall;
      call.arguments += pending;
      pending = "";
    };
    for (const character of text) {
      const state = this.#state;
      switch (state.at) {
        case "prefix":
        case "itemHead":
        case "argumentsHead":
        case "end": {
          const literal = { prefix: toolCallJsonPrefix, itemHead, argumentsHead, end: toolCallItemEnd }[
            state.at
          ];
          if (character !== literal[state.matched]) {
            this.#state = { at: "invalid" };
            break;
          }
          state.matched++;
          if (state.matched < literal.length) break;
          if (state.at === "argumentsHead") {
            this.#state = { at: "arguments", depth: 0, inString: false, escaped: false, started: false };
          } else if (state.at === "end") {
            this.#state = { at: "done" };
          } else {
            this.#name = "";
            this.#state = state.at === "prefix" ? { at: "itemHead", matched: 0 } : { at: "name" };
          }
          break;
        }
        case "name":
          if (character !== '"') {
            this.#name += character;
            break;
          }
          this.calls.push({ name: this.#name, arguments: "" });
          events.push({ type: "call", index: this.calls.length - 1, name: this.#name });
          this.#state = { at: "argumentsHead", matched: 0 };
          break;
        case "arguments": {
          // The value ends where its brackets close, or (a bare number, literal) at the item's `}`.
          if (!state.inString && state.depth === 0 && state.started && character === "}") {
            flush();
            this.#state = { at: "afterItem" };
            break;
          }
          pending += character;
          state.started = true;
          if (state.inString) {
            if (state.escaped) state.escaped = false;
            else if (character === "\\") state.escaped = true;
            else if (character === '"') state.inString = false;
          } else if (character === '"') state.inString = true;
          else if (character === "{" || character === "[") state.depth++;
          else if (character === "}" || character === "]") state.depth--;
          if (
            !state.inString &&
            state.depth === 0 &&
            (character === "}" || character === "]" || character === '"')
          ) {
            flush();
            this.#state = { at: "itemEnd" };
          }
          break;
        }
        case "itemEnd":
          this.#state = character === "}" ? { at: "afterItem" } : { at: "invalid" };
          break;
        case "afterItem":
          if (character === ",") this.#state = { at: "itemHead", matched: 0 };
          else if (character === "]") this.#state = { at: "end", matched: 0 };
          else this.#state = { at: "invalid" };
          break;
        case "done":
        case "invalid":
          this.#state = { at: "invalid" };
          break;
      }
      if (this.#state.at === "invalid") break;
    }
    flush();
    return events;
  }
}
