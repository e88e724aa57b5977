/** One dispatched server-sent event. `event` is absent for the default (`message`) type. */
export type ServerSentEvent = { data: string; event?: string; id?: string };

export type ServerSentEventParser = {
  /** Feeds decoded text (any split, even mid-line or mid-`\r\n`); returns the events it completed. */
  feed(text: string): ServerSentEvent[];
  /** Ends the stream: returns a last event whose blank line never came (lenient: some servers omit it). */
  end(): ServerSentEvent[];
};

/**
 * An incremental parser for `text/event-stream` (WHATWG HTML §9.2): lines end in `\n`, `\r\n` or `\r`;
 * `data:` lines (one optional space after the colon) join with `\n`; a blank line dispatches; `:` lines are
 * comments; `event` and `id` are kept; `retry` and unknown fields are ignored; a leading BOM is dropped.
 * Unlike the spec, a final event without its blank line is still dispatched by `end()`.
 *
 * @example
 * ```ts
 * const parser = createServerSentEventParser();
 * parser.feed('data: {"a":1}\n\nda'); // [{ data: '{"a":1}' }]
 * parser.feed("ta: [DONE]\n\n"); // [{ data: "[DONE]" }]
 * ```
 */
export function createServerSentEventParser(): ServerSentEventParser {
  let buffer = "";
  let started = false;
  let skipLineFeed = false;
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;

  const dispatch = (events: ServerSentEvent[]) => {
    if (data.length > 0) {
      events.push({
        data: data.join("\n"),
        ...(event === undefined ? {} : { event }),
        ...(id === undefined ? {} : { id }),
      });
    }
    data = [];
    event = undefined;
  };

  const line = (text: string, events: ServerSentEvent[]) => {
    if (text === "") return dispatch(events);
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\u0000")) id = value;
  };

  return {
    feed(text) {
      const events: ServerSentEvent[] = [];
      buffer += text;
      if (!started && buffer.length > 0) {
        started = true;
        if (buffer.startsWith("\uFEFF")) buffer = buffer.slice(1);
      }
      let start = 0;
      for (let index = 0; index < buffer.length; index++) {
        const character = buffer[index];
        if (skipLineFeed) {
          skipLineFeed = false;
          if (character === "\n") {
            start = index + 1;
            continue;
          }
        }
        if (character === "\n" || character === "\r") {
          line(buffer.slice(start, index), events);
          skipLineFeed = character === "\r";
          start = index + 1;
        }
      }
      buffer = buffer.slice(start);
      return events;
    },
    end() {
      const events: ServerSentEvent[] = [];
      if (buffer !== "") line(buffer, events);
      buffer = "";
      dispatch(events);
      return events;
    },
  };
}
