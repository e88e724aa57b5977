import { BaseError } from "@aviary/protocol";

export class AnvilNotFoundError extends BaseError {
  override name = "AnvilNotFoundError";
  constructor({ platform, packageName, cause }: { platform: string; packageName?: string; cause?: unknown }) {
    super(`No anvil binary for ${platform}.`, {
      cause,
      metaMessages: [
        packageName
          ? `Expected the npm package ${packageName}; run \`npm install\` (optional dependencies must not be skipped).`
          : "anvil ships for linux (x64, arm64), macOS (x64, arm64) and Windows (x64).",
      ],
    });
  }
}

export class AnvilStartError extends BaseError {
  override name = "AnvilStartError";
  constructor({ reason, stderr, cause }: { reason: string; stderr: string; cause?: unknown }) {
    super(`anvil failed to start: ${reason}.`, {
      cause,
      isRetryable: true,
      metaMessages: stderr.trim() ? [`anvil said: ${stderr.trim().slice(-500)}`] : [],
    });
  }
}

export class DeploymentError extends BaseError {
  override name = "DeploymentError";
  constructor({ step, cause }: { step: string; cause?: unknown }) {
    super(`Deploying the Aviary contracts failed at: ${step}.`, { cause, isRetryable: true });
  }
}

export class DevnetStateError extends BaseError {
  override name = "DevnetStateError";
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`The devnet state file ${path} is unusable: ${reason}.`, {
      cause,
      metaMessages: [
        "Delete the state folder (or run `aviary devnet down --reset`) to start from a fresh chain.",
      ],
    });
  }
}

/** A deployment parameters file breaks the schema or the contracts' rules; `problems` names each. */
export class DeploymentParametersError extends BaseError {
  override name = "DeploymentParametersError";
  readonly problems: readonly string[];
  constructor(source: string, problems: string[]) {
    super(
      `The deployment parameters ${source} are invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}).`,
      {
        metaMessages: problems,
      },
    );
    this.problems = problems;
  }
}

/** The code at a deployed address is not the code the deployment built. */
export class DeploymentVerificationError extends BaseError {
  override name = "DeploymentVerificationError";
  constructor(problems: string[]) {
    super("The code on-chain is not the expected Aviary bytecode.", { metaMessages: problems });
  }
}

/** A deployment file is missing, not JSON, or not a deployment file. */
export class DeploymentFileError extends BaseError {
  override name = "DeploymentFileError";
  constructor(path: string, problems: string[], cause?: unknown) {
    super(`The deployment file ${path} is invalid.`, { metaMessages: problems, cause });
  }
}
