// Runs the instant OpenAI-compatible server in its own process (for bench:supplier), printing its URL.
import { startInstantOpenAiServer } from "@aviary/testkit";

const server = await startInstantOpenAiServer({ chunks: 8 });
console.log(`listening ${server.baseUrl}`);
process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
