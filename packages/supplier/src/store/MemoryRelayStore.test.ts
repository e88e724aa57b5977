import { describeRelayStoreConformance } from "../../test/store/relayStore.conformance.ts";
import { MemoryRelayStore, memoryRelayStoreData } from "./MemoryRelayStore.ts";

// Memory appends are atomic, so there is no torn line to simulate: the suite skips that test.
describeRelayStoreConformance("MemoryRelayStore", () => {
  const data = memoryRelayStoreData();
  return { store: new MemoryRelayStore({ data }), reopen: () => new MemoryRelayStore({ data }) };
});
