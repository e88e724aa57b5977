// Hardhat 2's node as a second, independent JSON-RPC chain for packages/cli/test/deploy.hardhat.test.ts:
// interval mining (a block every HARDHAT_BLOCK_MS, 2 s by default), no automine, as on a public chain.
const blockMs = Number(process.env.HARDHAT_BLOCK_MS ?? 2000);

module.exports = {
  paths: { sources: "./no-sources", cache: "./.cache", artifacts: "./.artifacts" },
  networks: {
    hardhat: {
      chainId: 31338,
      hardfork: "cancun",
      mining: { auto: false, interval: blockMs },
      // The well-known test mnemonic (the same accounts as anvil's), 10,000 ETH each.
      accounts: { mnemonic: "test test test test test test test test test test test junk", count: 10 },
    },
  },
};
