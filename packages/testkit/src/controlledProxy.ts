// A tiny HTTP proxy in front of a real supplier node whose behaviour a test switches: pass through, answer 500,
// flip one byte of the response body (the receipt no longer covers it), or be down (connection refused).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type ProxyMode = "pass" | "error500" | "tamper" | "down";

export type ControlledProxy = {
  url: string;
  /** Relay requests that reached the proxy (not counting refused connections). */
  requests: number;
  setMode: (mode: ProxyMode) => Promise<void>;
  close: () => Promise<void>;
};

const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);
const idMarker = new TextEncoder().encode('"id":"');

/** Flips the case of the first letter after the first `"id":"` in `bytes` (in place); true when it did. */
function flipIdByte(bytes: Uint8Array): boolean {
  outer: for (let index = 0; index + idMarker.length < bytes.length; index += 1) {
    for (let offset = 0; offset < idMarker.length; offset += 1)
      if (bytes[index + offset] !== idMarker[offset]) continue outer;
    for (let at = index + idMarker.length; at < bytes.length; at += 1) {
      const byte = bytes[at] as number;
      if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) {
        bytes[at] = byte ^ 0x20;
        return true;
      }
    }
  }
  return false;
}

export async function startControlledProxy(target: string): Promise<ControlledProxy> {
  let mode: ProxyMode = "pass";
  let server: Server | undefined;
  let port = 0;
  const state: ControlledProxy = {
    url: "",
    requests: 0,
    setMode: async (next) => {
      mode = next;
      if (next === "down" && server) {
        const closing = server;
        server = undefined;
        await new Promise<void>((resolve) => {
          closing.close(() => resolve());
          closing.closeAllConnections();
        });
      } else if (next !== "down" && !server) await listen();
    },
    close: async () => {
      await state.setMode("down");
    },
  };

  const listen = async () => {
    const instance = createServer((request, response) => {
      const parts: Buffer[] = [];
      request.on("data", (part: Buffer) => parts.push(part));
      request.on("end", async () => {
        // Relays only: discovery also reads GET /v1/supplier (the declared capabilities) in the background.
        if (request.url?.startsWith("/v1/relay/")) state.requests += 1;
        if (mode === "error500") {
          response.writeHead(500, { "content-type": "application/json" });
          response.end(
            JSON.stringify({
              error: { message: "boom", type: "server_error", param: null, code: "internal_error" },
            }),
          );
          return;
        }
        try {
          const upstream = await fetch(`${target}${request.url}`, {
            method: request.method,
            headers: Object.fromEntries(
              Object.entries(request.headers).filter(
                (entry): entry is [string, string] =>
                  typeof entry[1] === "string" && !hopByHop.has(entry[0]) && entry[0] !== "host",
              ),
            ),
            body: request.method === "GET" ? undefined : Buffer.concat(parts),
          });
          const headers: Record<string, string> = {};
          upstream.headers.forEach((value, key) => {
            if (!hopByHop.has(key)) headers[key] = value;
          });
          response.writeHead(upstream.status, headers);
          let tampered = false;
          for await (const chunk of upstream.body ?? []) {
            const bytes = new Uint8Array(chunk as Uint8Array);
            if (mode === "tamper" && !tampered) tampered = flipIdByte(bytes);
            response.write(bytes);
          }
          response.end();
        } catch {
          response.destroy();
        }
      });
    });
    await new Promise<void>((resolve) => instance.listen(port, "127.0.0.1", resolve));
    port = (instance.address() as AddressInfo).port;
    server = instance;
  };
  await listen();
  state.url = `http://127.0.0.1:${port}`;
  return state;
}
