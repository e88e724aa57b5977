/**
 * The gateway's persistence: API keys, rate limits and budgets, usage, receipts.
 * @module
 */
export * from "./createGatewayStore.ts";
export * from "./decideAdmission.ts";
export * from "./errors.ts";
export * from "./GatewayStore.ts";
export * from "./generateApiKey.ts";
export * from "./PostgresGatewayStore.ts";
export * from "./SqliteGatewayStore.ts";
export * from "./settleReservation.ts";
