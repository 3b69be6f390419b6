/**
 * Point-cloud geometry on typed arrays: a cloud is a packed xyz `Float32Array` (or an organised one,
 * a point per pixel), matrices are row-major 3×3 arrays, and functions allocate a handful of buffers
 * per call, never an object per point. Pure: no I/O.
 */
export { backProjectDepth, validPixels, gatherPoints } from './back-project.js';
export type { OrganizedCloud, PinholeIntrinsics } from './back-project.js';
export { fitPlaneRansac, refinePlane, countPlaneInliers } from './plane.js';
export type { Plane, PlaneFit, RansacPlaneOptions } from './plane.js';
export { statisticalOutliersOrganized } from './outliers.js';
export { estimateDepthNoise, ON_SURFACE_SIGMAS } from './depth-noise.js';
export type { DepthNoise } from './depth-noise.js';
export type { OutlierOptions } from './outliers.js';
export { voxelDownsample } from './voxel.js';
export type { VoxelDownsample } from './voxel.js';
export { VoxelHash } from './voxel-hash.js';
export { clustersNear, dbscan, largestCluster } from './dbscan.js';
export type { DbscanResult } from './dbscan.js';
export { axisAlignedBox, boxAtYaw, convexHull2D, DEPTH_NOISE_OVERSHOOT, minAreaRectangle, noiseOvershoot, trimDepthNoise, yawBox } from './box.js';
export type { AxisAlignedBox, Rectangle2D, YawBox } from './box.js';
export { symmetricEigen3 } from './eigen.js';
export type { SymmetricEigen } from './eigen.js';
export {
  mat3Identity, mat3Multiply, mat3Transpose, mat3RotationX, mat3RotationZ, transformVec3, transformPoints,
  dot3, cross3, length3, normalize3,
} from './mat3.js';
export type { Mat3Like, Vec3Like, Writable } from './mat3.js';
export { seededRandom } from './random.js';
export { selectRank } from './select.js';
export type { Random } from './random.js';
