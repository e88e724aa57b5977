/**
 * The contract of Aviary's embedded text-to-image runtime: one loaded pipeline (prompt encoder → `steps`
 * denoising steps → decoder → PNG), used by the supplier's embedded image backend and by the gateway's
 * image audits (which re-render a supplier's answer with the same seed). Implemented by `loadImagePipeline`.
 */

/** What one render asks for. Every field is already validated at the edge (the images route's schema). */
export type RenderImagesParameters = {
  prompt: string;
  /** Steered away from (classifier-free guidance's unconditional side). @default "" */
  negativePrompt?: string;
  /** Images to render: image `i` uses seed `seed + i`, so image i of n equals image 0 of a render at seed+i. */
  n: number;
  width: number;
  height: number;
  /** Denoising steps per image: what a relay is billed for (images × steps). */
  steps: number;
  /** uint32: the initial noise. Same prompt, negative prompt, seed, steps, size and guidance → same PNG bytes. */
  seed: number;
  /** Classifier-free guidance scale. @default the pipeline's `defaultGuidanceScale` */
  guidanceScale?: number;
  /** Aborted: stop between steps and reject with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each denoising step of each image (progress for long renders). */
  onStep?: (progress: { image: number; step: number; steps: number }) => void;
};

export type RenderedImages = {
  /** PNG file bytes, one per image, in seed order. */
  images: Uint8Array[];
  /** Steps each image was denoised for (= the request's `steps`). */
  steps: number;
};

/** What a pipeline can render, for validation and for `GET /v1/supplier`. */
export type ImagePipelineLimits = {
  /** Sizes it renders, `"WxH"`. */
  sizes: readonly string[];
  maxSteps: number;
  defaultSteps: number;
  defaultGuidanceScale: number;
  /** Longest prompt it reads, in characters (longer is refused, never silently cut). */
  maxPromptCharacters: number;
};

export interface ImagePipeline {
  /** The pipeline manifest's path (a directory's `pipeline.json`). */
  readonly path: string;
  /** sha256 of the manifest file (0x-hex): the registry's `weightsDigest`; the manifest pins every part's sha256. */
  readonly digest: `0x${string}`;
  readonly limits: ImagePipelineLimits;
  render(parameters: RenderImagesParameters): Promise<RenderedImages>;
  close(): Promise<void>;
}
