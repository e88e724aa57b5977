/**
 * The gateway's persistence: API keys, rate limits and budgets, usage, receipts, integrity records.
 * @module
 */
export * from "./chargeExpiredReservations.ts";
export * from "./createGatewayStore.ts";
export * from "./decideAdmission.ts";
export * from "./drivers/postgresDriver.ts";
export type * from "./drivers/SqlDriver.ts";
export * from "./drivers/sqliteDriver.ts";
export * from "./errors.ts";
export * from "./GatewayStore.ts";
export * from "./generateApiKey.ts";
export * from "./PostgresGatewayStore.ts";
export * from "./SqlGatewayStore.ts";
export * from "./SqliteGatewayStore.ts";
export * from "./settleReservation.ts";
export * from "./WriteBatch.ts";
