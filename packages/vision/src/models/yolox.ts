import type { ModelManifest } from '../manifest.js';
import { COCO_CLASSES } from './labels.js';

/** YOLOX-Nano (Megvii, COCO-80); the export whose pre- and postprocessing ../shared/data/PROVENANCE.md describes. */
export const yoloxNano: ModelManifest = {
  name: 'yolox-nano',
  task: 'detect',
  architecture: 'yolox',
  description: 'YOLOX-Nano COCO-80 detector, 416×416, raw grid output (decode with strides 8/16/32)',
  licence: 'Apache-2.0',
  homepage: 'https://github.com/Megvii-BaseDetection/YOLOX',
  files: [
    {
      name: 'yolox_nano.onnx',
      sha256: '695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14',
      bytes: 3_660_092,
      urls: [
        'https://github.com/Kazuhito00/Image-Processing-Node-Editor/raw/75f75b654ba4f5900db1e520d8381556cf60c410/ipn_editor/node/deep_learning_node/object_detection/YOLOX/model/yolox_nano.onnx',
        'https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_nano.onnx',
      ],
    },
  ],
  graphs: {
    model: {
      file: 'yolox_nano.onnx',
      inputs: [{ name: 'images', type: 'float32', shape: [1, 3, 416, 416] }],
      outputs: [{ name: 'output', type: 'float32', shape: [1, 3549, 85] }],
    },
  },
  // yolox/data/data_augment.py `preproc`: BGR 0–255, no normalisation, cv2 INTER_LINEAR resize by
  // r = min(416/h, 416/w) to (int(w·r), int(h·r)), pasted top-left on a 114-filled canvas.
  preprocess: {
    resize: { mode: 'letterbox', width: 416, height: 416, align: 'top-left', rounding: 'floor' },
    filter: 'bilinear',
    antialias: false,
    channelOrder: 'bgr',
    layout: 'nchw',
    rescale: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    padValue: [114, 114, 114],
  },
  labels: COCO_CLASSES,
  // demo/ONNXRuntime/onnx_inference.py: class-aware multiclass NMS at 0.45; 0.3 is the demo's drawing threshold.
  postprocess: { scoreThreshold: 0.3, nmsIou: 0.45, strides: [8, 16, 32] },
};
