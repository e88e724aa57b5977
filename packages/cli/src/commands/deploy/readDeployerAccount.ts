import { createDecipheriv, pbkdf2Sync, scryptSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { bytesToHex, concat, type Hex, hexToBytes, keccak256, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { CliInputError } from "../../errors.ts";
import { readPrivateKey } from "../../io/readPrivateKey.ts";

export type ReadDeployerAccountOptions = {
  /** A Web3 Secret Storage (v3) keystore file, e.g. from `cast wallet new` or geth. */
  keystore?: string;
  /** The environment variable holding the keystore's password. @default AVIARY_KEYSTORE_PASSWORD */
  passwordEnv?: string;
};

const hex = z.string().regex(/^(0x)?[0-9a-fA-F]*$/);
const keystoreSchema = z.object({
  version: z.literal(3),
  crypto: z.object({
    cipher: z.literal("aes-128-ctr"),
    ciphertext: hex,
    cipherparams: z.object({ iv: hex }),
    kdf: z.enum(["scrypt", "pbkdf2"]),
    kdfparams: z.object({
      dklen: z.number().int().min(32),
      salt: hex,
      n: z.number().int().optional(),
      r: z.number().int().optional(),
      p: z.number().int().optional(),
      c: z.number().int().optional(),
      prf: z.literal("hmac-sha256").optional(),
    }),
    mac: hex,
  }),
});

/**
 * The deployer's account: from a keystore file (`--keystore`, password in an environment variable), else from
 * `AVIARY_DEPLOYER_KEY`. A key never goes on the command line.
 *
 * @example
 * const account = readDeployerAccount({ keystore: "deployer.json" }); // password in AVIARY_KEYSTORE_PASSWORD
 */
export function readDeployerAccount(options: ReadDeployerAccountOptions): LocalAccount {
  if (!options.keystore) return privateKeyToAccount(readPrivateKey("AVIARY_DEPLOYER_KEY", "Deploying"));
  const variable = options.passwordEnv ?? "AVIARY_KEYSTORE_PASSWORD";
  const password = process.env[variable];
  if (password === undefined) {
    throw new CliInputError(`--keystore needs the keystore's password in ${variable}.`, [
      `Set it: read -s ${variable} && export ${variable}`,
    ]);
  }
  return privateKeyToAccount(
    decryptKeystore(readFileSync(options.keystore, "utf8"), password, options.keystore),
  );
}

/** Decrypts a v3 keystore (scrypt or pbkdf2, aes-128-ctr), checking its MAC. */
export function decryptKeystore(text: string, password: string, source = "keystore"): Hex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliInputError(`${source} is not JSON.`);
  }
  const parsed = keystoreSchema.safeParse(json);
  if (!parsed.success) {
    throw new CliInputError(`${source} is not a v3 keystore (scrypt or pbkdf2, aes-128-ctr).`, [
      ...parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    ]);
  }
  const { crypto } = parsed.data;
  const bytes = (value: string) => hexToBytes(value.startsWith("0x") ? (value as Hex) : `0x${value}`);
  const salt = bytes(crypto.kdfparams.salt);
  const { dklen } = crypto.kdfparams;
  const derived =
    crypto.kdf === "scrypt"
      ? scryptSync(password, salt, dklen, {
          N: crypto.kdfparams.n ?? 262_144,
          r: crypto.kdfparams.r ?? 8,
          p: crypto.kdfparams.p ?? 1,
          maxmem: 512 * 1024 * 1024,
        })
      : pbkdf2Sync(password, salt, crypto.kdfparams.c ?? 262_144, dklen, "sha256");
  const ciphertext = bytes(crypto.ciphertext);
  const mac = keccak256(concat([derived.subarray(16, 32), ciphertext]));
  if (mac.slice(2).toLowerCase() !== crypto.mac.replace(/^0x/, "").toLowerCase()) {
    throw new CliInputError(`Wrong password for ${source} (its MAC does not match).`);
  }
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), bytes(crypto.cipherparams.iv));
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return bytesToHex(key);
}
