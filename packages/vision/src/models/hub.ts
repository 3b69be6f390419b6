/** Normalisation constants of the reference preprocessors (the manifests in packages/vision/models hold them as numbers). */

/** CLIP's image normalisation (OpenAI), on 0–1 pixels. */
export const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
/** ImageNet normalisation, on 0–1 pixels. */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
