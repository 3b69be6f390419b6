import type { ModelManifest } from '../manifest.js';
import { VOC_CLASSES } from './labels.js';

/** DeepLabV3 with a MobileNetV2 backbone (TF-Lite export), PASCAL VOC 21 classes, NHWC input. */
export const deeplabV3MobilenetVoc: ModelManifest = {
  name: 'deeplabv3-mobilenet-voc',
  task: 'segment',
  architecture: 'deeplabv3',
  description: 'DeepLabV3 MobileNetV2 semantic segmentation, PASCAL VOC 21 classes, 257×257 NHWC',
  licence: 'Apache-2.0',
  homepage: 'https://github.com/Kazuhito00/Image-Processing-Node-Editor',
  files: [
    {
      name: 'deeplab_v3_mobilenet_voc_257.onnx',
      sha256: '48a46b346ca7e2e96760b8a10a302046a3b5a9ce55e59d4c659c36d9cbd44118',
      bytes: 2_781_296,
      urls: [
        'https://github.com/Kazuhito00/Image-Processing-Node-Editor/raw/75f75b654ba4f5900db1e520d8381556cf60c410/ipn_editor/node/deep_learning_node/semantic_segmentation/deeplab_v3/model/deeplab_v3_1_default_1.onnx',
      ],
    },
  ],
  graphs: {
    model: {
      file: 'deeplab_v3_mobilenet_voc_257.onnx',
      inputs: [{ name: 'sub_7', type: 'float32', shape: [1, 257, 257, 3] }],
      outputs: [{ name: 'ResizeBilinear_3', type: 'float32', shape: [1, 257, 257, 21] }],
    },
  },
  // deeplab_v3.py in the source repository: cv2.resize to 257×257, RGB, v / 127.5 − 1; logits resized
  // back bilinearly to the image, then argmax.
  preprocess: {
    resize: { mode: 'stretch', width: 257, height: 257 },
    filter: 'bilinear',
    antialias: false,
    channelOrder: 'rgb',
    layout: 'nhwc',
    rescale: 1 / 127.5,
    mean: [1, 1, 1],
    std: [1, 1, 1],
    padValue: [0, 0, 0],
  },
  labels: VOC_CLASSES,
  postprocess: {},
};
