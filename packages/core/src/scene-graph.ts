/**
 * The scene graph: what the lift stage produces and the QA engine reads.
 *
 * Canonical frame (metres): z is up (against gravity); the origin is the foot of the camera on the
 * support plane; x points to the camera's right and y forward (the camera's viewing direction
 * projected on the plane). So "left of" compares x, "in front of / behind" compares y (from the
 * camera's viewpoint) and "above / below" compares z. When no plane is found the scene is
 * non-canonical: the same axes are taken from the camera itself (x right, y along the optical axis,
 * z = camera up), and no question that needs gravity is asked.
 */
import type { Box2D, Intrinsics, IntrinsicsSource } from './frame.js';

export type Vec3 = [number, number, number];

export interface CameraInfo {
  intrinsics: Intrinsics;
  intrinsicsSource: IntrinsicsSource;
  /** Camera centre in the canonical frame (metres); `[0, 0, height]` when canonical. */
  position: Vec3;
  /** Height of the camera above the support plane, metres (canonical scenes only). */
  height?: number;
  /** Downward pitch of the optical axis below the horizon, radians (canonical scenes only). */
  pitch?: number;
  /** Rotation taking camera-frame vectors (x right, y down, z forward) to the canonical frame, row-major 3×3. */
  rotation: number[];
}

export interface SupportPlane {
  /** Unit normal in the camera frame, pointing up (towards the camera side). */
  normal: Vec3;
  /** Plane offset in the camera frame: normal·p + d = 0, metres. */
  d: number;
  inlierCount: number;
  /** Share of the scene's valid points that lie on the plane. */
  inlierRatio: number;
}

export interface OrientedBox {
  /** Centre in the canonical frame, metres. */
  centre: Vec3;
  /** Extent along the box's own axes (length along yaw, width across, height along z), metres. */
  size: Vec3;
  /** Rotation about +z of the box's first axis from +x, radians in [0, π). */
  yaw: number;
}

export interface SceneObject {
  id: string;
  label: string;
  /** A plain colour name from the object's pixels ("red", "white", ...). */
  colour: string;
  /** How questions refer to it: "the chair", "the left chair", "the red chair". */
  name: string;
  /** Axis-aligned box in the canonical frame, metres. */
  centre: Vec3;
  size: Vec3;
  min: Vec3;
  max: Vec3;
  obb: OrientedBox;
  /** Points kept after denoising. */
  pointCount: number;
  /** The object's 2D box in the image, pixels. */
  box2d: Box2D;
  /** Distance from the camera centre to the object's centre, metres. */
  distanceFromCamera: number;
  /** Detector confidence when the object came from a model. */
  score?: number;
  /**
   * Cut by the image border: its full extent is not seen. Position questions may use it; size, fits,
   * size-comparison, gap and "how much higher" questions must not.
   */
  truncated?: boolean;
  /**
   * Partly hidden behind nearer objects: they own a large share of its box's depth pixels, or they
   * begin just beyond a quarter of its outline, where it may go on behind them. Kept out of the same
   * questions as `truncated`.
   */
  occluded?: boolean;
  /**
   * Metres the object's bottom was extended down to the support plane (amodal extent): its bottom
   * was hidden (by a nearer object or the image border) or its box reached the plane; or down to the
   * surface its box's bottom rows show around its footprint (a table top under a desk lamp whose foot
   * the depth lost). Absent when the box is what its points show.
   */
  extendedToSupport?: number;
  /**
   * Metres the object's top was lowered, because the points above belonged to what stands on the
   * object: to its 2D box's top edge carried through the camera to its depth, or to its flat top (a
   * table's) when only a few points rose a little above it. Absent when the points agree.
   */
  topFromBox?: number;
  /**
   * Metres the object's near side was brought forward to where its 2D box's bottom edge meets the
   * height of its bottom (amodal extent): that edge is its nearest bottom edge, hidden from the depth
   * (a laptop's base flat on the table). Absent when the points reach it.
   */
  frontFromBox?: number;
  /**
   * Present when the object was lifted from a few depth samples (sparse depth such as projected lidar):
   * `samples` in its box's dominant depth mode, at `depth` metres (median, along the optical axis); its
   * width and height then come from the 2D box carried through the camera to that depth. Its own
   * footprint (how it is turned, its far side) is not measured: footprint questions (widths, depths,
   * gaps, fits) leave it out.
   */
  sparseDepth?: { samples: number; depth: number };
}

export interface DroppedObject {
  id: string;
  label: string;
  /** Machine-readable reason: too-few-points, ambiguous, no-depth, ... */
  reason: string;
  detail: string;
}

export interface SceneGraph {
  imageId: string;
  width: number;
  height: number;
  camera: CameraInfo;
  /** True when a support plane was found and the frame is gravity-aligned. */
  canonical: boolean;
  plane?: SupportPlane;
  objects: SceneObject[];
  dropped: DroppedObject[];
}
