import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { postgresAvailability, TEST_POSTGRES_URL_VARIABLE } from "./startTemporaryPostgres.ts";

describe("postgresAvailability", () => {
  test("test_postgresAvailability_environmentUrl_winsOverBinaries", () => {
    const url = "postgresql://aviary@127.0.0.1:5432/postgres";
    expect(postgresAvailability({ environment: { [TEST_POSTGRES_URL_VARIABLE]: url, PATH: "" } })).toEqual({
      available: true,
      source: "environment",
      url,
    });
  });

  test("test_postgresAvailability_nothingFound_saysWhy", () => {
    const empty = mkdtempSync(join(tmpdir(), "aviary-no-pg-"));
    try {
      const availability = postgresAvailability({
        environment: { PATH: empty },
        debianRoot: join(empty, "none"),
      });
      expect(availability.available).toBe(false);
      expect(!availability.available && availability.reason).toMatch(/initdb and postgres/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
