import { type Address, bytesToHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** anvil's default mnemonic: its first ten accounts are funded with ether at genesis. */
export const devMnemonic = "test test test test test test test test test test test junk";

export type DevAccount = { index: number; address: Address; privateKey: Hex };

/**
 * The devnet's well-known accounts (anvil's default mnemonic). Public keys: never use them on a real chain.
 *
 * @example
 * const [deployer, treasury] = devAccounts(2);
 */
export function devAccounts(count = 10): DevAccount[] {
  return Array.from({ length: count }, (_, index) => {
    const account = mnemonicToAccount(devMnemonic, { addressIndex: index });
    const privateKey = account.getHdKey().privateKey;
    if (!privateKey) throw new Error("unreachable: HD account without a private key");
    return { index, address: account.address, privateKey: bytesToHex(privateKey) };
  });
}
