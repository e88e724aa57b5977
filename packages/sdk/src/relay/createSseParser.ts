/** One thing a server-sent event stream carries. */
export type SseItem =
  | {
      type: "event";
      /** The data lines, joined with `\n` (the `data:` prefix and one leading space removed). */
      data: string;
      /** The `event:` field, when given. */
      event: string | undefined;
      /** The `id:` field, when given. */
      id: string | undefined;
    }
  | {
      type: "comment";
      /** The text after the `:` (one leading space removed). */
      text: string;
      /** Byte offset, in the whole stream, where the comment line starts. */
      offset: number;
    };

/** An incremental SSE parser over raw bytes. */
export type SseParser = {
  /** Feeds the next chunk; returns the events and comments it completed, in stream order. */
  push(chunk: Uint8Array): SseItem[];
  /** The stream ended: completes a last unterminated line (an unfinished event is dropped, as the spec says). */
  end(): SseItem[];
  /** Bytes fed so far. */
  readonly bytes: number;
};

const LF = 0x0a;
const CR = 0x0d;

/**
 * Creates an incremental parser of `text/event-stream` bytes (WHATWG HTML §9.2): lines end with LF, CR or CRLF
 * (a CRLF split across chunks counts once); `:` starts a comment (reported at once, with its byte offset, so
 * that a caller can hash exactly the bytes before it); `data:` lines accumulate until a blank line dispatches
 * the event; a leading BOM is skipped. Chunks may be cut anywhere, even inside a UTF-8 character (lines are
 * split on bytes and decoded whole).
 *
 * @example
 * ```ts
 * const parser = createSseParser();
 * for await (const chunk of response.body) for (const item of parser.push(chunk)) console.log(item);
 * parser.end();
 * ```
 */
export function createSseParser(): SseParser {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let partial: Uint8Array[] = [];
  let partialLength = 0;
  let lineStart = 0;
  let bytes = 0;
  let skipLineFeed = false;
  let first = true;
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;

  const line = (text: string, offset: number, out: SseItem[]) => {
    if (text === "") {
      if (data.length > 0) out.push({ type: "event", data: data.join("\n"), event, id });
      data = [];
      event = undefined;
      return;
    }
    if (text.charCodeAt(0) === 0x3a) {
      out.push({
        type: "comment",
        text: text.charCodeAt(1) === 0x20 ? text.slice(2) : text.slice(1),
        offset,
      });
      return;
    }
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
    // `retry` and unknown fields are ignored.
  };

  const takeLine = (chunk: Uint8Array, from: number, to: number): string => {
    let lineBytes: Uint8Array;
    if (partialLength === 0) lineBytes = chunk.subarray(from, to);
    else {
      lineBytes = new Uint8Array(partialLength + (to - from));
      let at = 0;
      for (const part of partial) {
        lineBytes.set(part, at);
        at += part.length;
      }
      lineBytes.set(chunk.subarray(from, to), at);
      partial = [];
      partialLength = 0;
    }
    if (first) {
      first = false;
      if (lineBytes[0] === 0xef && lineBytes[1] === 0xbb && lineBytes[2] === 0xbf)
        lineBytes = lineBytes.subarray(3);
    }
    return decoder.decode(lineBytes);
  };

  return {
    get bytes() {
      return bytes;
    },
    push(chunk) {
      const out: SseItem[] = [];
      const base = bytes;
      bytes += chunk.length;
      let position = 0;
      if (skipLineFeed && chunk.length > 0) {
        skipLineFeed = false;
        if (chunk[0] === LF) {
          position = 1;
          lineStart = base + 1;
        }
      }
      while (position < chunk.length) {
        let end = position;
        while (end < chunk.length && chunk[end] !== LF && chunk[end] !== CR) end += 1;
        if (end === chunk.length) {
          const rest = chunk.slice(position);
          partial.push(rest);
          partialLength += rest.length;
          break;
        }
        const offset = lineStart;
        const text = takeLine(chunk, position, end);
        let next = end + 1;
        if (chunk[end] === CR) {
          if (next < chunk.length) {
            if (chunk[next] === LF) next += 1;
          } else skipLineFeed = true;
        }
        lineStart = base + next;
        position = next;
        line(text, offset, out);
      }
      return out;
    },
    end() {
      const out: SseItem[] = [];
      if (partialLength > 0) {
        const offset = lineStart;
        const text = takeLine(new Uint8Array(0), 0, 0);
        // An unterminated last line still counts (a comment is reported; a data line never dispatches).
        line(text, offset, out);
      }
      return out;
    },
  };
}
