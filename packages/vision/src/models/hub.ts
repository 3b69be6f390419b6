/** A Hugging Face file URL pinned to a revision (commit hash or branch). */
export function hfUrl(repo: string, revision: string, path: string): string {
  return `https://huggingface.co/${repo}/resolve/${revision}/${path}`;
}

/** CLIP's image normalisation (OpenAI), on 0–1 pixels. */
export const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
/** ImageNet normalisation, on 0–1 pixels. */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
/** ImageNet mean in 0–255 units: the pad value that normalises to 0. */
export const IMAGENET_MEAN_255: [number, number, number] = [123.675, 116.28, 103.53];
