// OpenAI-compatible test servers that answer from an Aviary backend (text, or images). The instant stub that
// answers every request at once with a fixed body is in the main entry (`startInstantOpenAiServer`).
export {
  type StartOpenAiImageTestServerParameters,
  type StartOpenAiImageTestServerReturnType,
  startOpenAiImageTestServer,
} from "./startOpenAiImageTestServer.ts";
export {
  type StartOpenAiTestServerParameters,
  type StartOpenAiTestServerReturnType,
  startOpenAiTestServer,
} from "./startOpenAiTestServer.ts";
