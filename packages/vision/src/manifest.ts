/**
 * Model manifests: everything the registry, `models pull` and the adapters need to know about one
 * model — its files (with digests and download URLs), the tensors of each ONNX graph, and how images
 * are prepared for it. The manifests themselves are JSON documents in packages/vision/models/, read by ./models/index.ts.
 */

export type ModelTask = 'detect' | 'segment' | 'depth' | 'filter';

export type Architecture =
  | 'yolox'
  | 'deeplabv3'
  | 'owlv2'
  | 'owlvit'
  | 'grounding-dino'
  | 'sam'
  | 'depth-anything-v2'
  | 'depthpro'
  | 'metric3d'
  | 'clip';

export type TensorType = 'float32' | 'int64' | 'int32' | 'uint8' | 'bool';

/** A tensor dimension: a fixed size, or the name of a dynamic (symbolic) one such as "batch". */
export type Dim = number | string;

export interface TensorSpec {
  name: string;
  type: TensorType;
  shape: Dim[];
  /** An input some exports have and others lack; the adapter feeds it only when the graph declares it. */
  optional?: boolean;
}

export interface ModelFile {
  /** File name inside the model's cache folder (external-data files keep the name the graph refers to). */
  name: string;
  /**
   * Published sha256 of the file at the pinned revision. When absent the digest is pinned on first pull
   * (trust on first use) in the model folder's `pins.json`, and checked against that pin afterwards.
   */
  sha256?: string;
  /** Exact size in bytes, when published. */
  bytes?: number;
  /** Download URLs, tried in order; each is pinned to a revision where the host allows it. */
  urls: string[];
}

/** One ONNX graph of a model (a model may have several, e.g. SAM's encoder and decoder). */
export interface GraphSpec {
  /** The `.onnx` file in `files`. */
  file: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export type ResizeSpec =
  /** Scale to fit inside width × height keeping the aspect ratio, then pad (YOLOX, SAM, Metric3D, OWLv2). */
  | { mode: 'letterbox'; width: number; height: number; align: 'top-left' | 'center'; rounding: 'floor' | 'round' }
  /** Scale to exactly width × height, ignoring the aspect ratio (DeepLab, DepthPro, OWL-ViT). */
  | { mode: 'stretch'; width: number; height: number }
  /** Scale the shortest side to `shortestEdge`, then centre-crop `crop` × `crop` (CLIP). */
  | { mode: 'shortest-edge-crop'; shortestEdge: number; crop: number }
  /** DPT: keep the aspect ratio, scale as little as possible towards width × height, sides a multiple of `multipleOf`. */
  | { mode: 'keep-aspect-multiple'; width: number; height: number; multipleOf: number }
  /** DETR family: shortest side to `shortestEdge` unless the longest would pass `longestEdge`. */
  | { mode: 'shortest-longest'; shortestEdge: number; longestEdge: number };

/**
 * How an 8-bit RGB image becomes the model's input tensor. A pixel value v in 0–255 becomes
 * `(v * rescale - mean[c]) / std[c]`; padding pixels take `padValue` (0–255 units) through the same formula.
 */
export interface Preprocess {
  resize: ResizeSpec;
  filter: 'bilinear' | 'bicubic';
  /** Widen the filter when shrinking (PIL / torchvision antialias); off for OpenCV-style resizes. */
  antialias: boolean;
  channelOrder: 'rgb' | 'bgr';
  layout: 'nchw' | 'nhwc';
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
  padValue: [number, number, number];
}

export interface TokenizerSpec {
  /** A Hugging Face `tokenizer.json` in `files`. */
  file: string;
  kind: 'clip-bpe' | 'wordpiece';
  /** Longest token sequence the model takes (OWL's export is fixed at it; longer text is truncated). */
  maxLength: number;
  /** The token sequences are padded with (its id is looked up in the tokenizer's vocabulary). */
  padToken: string;
}

export interface Postprocess {
  /** Detections below this score are dropped. */
  scoreThreshold?: number;
  /** IoU above which a lower-scoring box of the same label is suppressed. */
  nmsIou?: number;
  /** Grounding DINO: a text token counts for a box's label above this probability. */
  textThreshold?: number;
  /** YOLOX: strides of the output grid, in input pixels. */
  strides?: number[];
  /** SAM: mask logits above this are inside the object. */
  maskThreshold?: number;
  /** Metric3D: focal length, in pixels of the model input, of the canonical camera its depth refers to. */
  canonicalFocalPx?: number;
  /** Depth models: depths (metres) above this are dropped as unreliable (0 = no measurement). */
  maxDepth?: number;
  /** CLIP: the exported logit scale (exp of the learned temperature). */
  logitScale?: number;
}

export interface ModelManifest {
  name: string;
  task: ModelTask;
  architecture: Architecture;
  description: string;
  /** SPDX identifier or the licence's name. */
  licence: string;
  /** Where the weights come from (model card or repository). */
  homepage: string;
  /** Where the numbers below come from: the reference pre- and postprocessing, the export, the licence. */
  notes?: string[];
  files: ModelFile[];
  /** The ONNX graphs by role: `model`, or `encoder`/`decoder`, or `vision`/`text`. */
  graphs: Record<string, GraphSpec>;
  preprocess: Preprocess;
  tokenizer?: TokenizerSpec;
  /** Class names of a closed-vocabulary model, in output order. */
  labels?: readonly string[];
  postprocess: Postprocess;
  /** How to produce the files when no public ONNX export exists (`models pull --from DIR` then installs them). */
  exportHint?: string;
}

/** Input size for each image, the resized image inside it, and where it sits (pixels of the model input). */
export interface ResizePlan {
  /** Size of the tensor's spatial dimensions. */
  canvasWidth: number;
  canvasHeight: number;
  /** Size the source image is resampled to. */
  resizedWidth: number;
  resizedHeight: number;
  /** Where the resampled image's top-left corner sits on the canvas (negative when cropped). */
  offsetX: number;
  offsetY: number;
  /** Model-input pixels per source pixel, horizontally and vertically. */
  scaleX: number;
  scaleY: number;
}
