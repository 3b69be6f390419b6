"""The lift job done the way the open pipelines do it with Open3D (the reference for bench/lift.bench.ts).

Per frame ("scene" time): back-project the metric depth, RANSAC plane on the whole scene cloud
(segment_plane; a plane that does not face up is set aside and the search repeated, as liftFrame
accepts only near-horizontal support planes), the canonical frame from it. Per object ("object"
time): the points of its mask, statistical outlier removal,
voxel down-sampling, DBSCAN keeping the largest cluster, an oriented box (and the axis-aligned box in
the canonical frame, which is what both sides compare). Parameters match liftFrame's: plane threshold
0.02 m and 200 iterations; SOR 20 neighbours, 2 std; voxel 0.02 m and DBSCAN eps 0.05 m at 1 m depth,
both scaled by the object's median depth beyond 1 m; 4 DBSCAN core points.

usage: OMP_NUM_THREADS=1 python3 lift_open3d.py FRAMES_DIR ROUNDS  → JSON on stdout
"""
import json
import os
import sys
import time

import numpy as np
import open3d as o3d

o3d.utility.set_verbosity_level(o3d.utility.VerbosityLevel.Error)


def back_project(depth, k):
    h, w = depth.shape
    u, v = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    z = depth
    x = (u - k["cx"]) / k["fx"] * z
    y = (v - k["cy"]) / k["fy"] * z
    return np.stack([x, y, z], axis=-1).reshape(-1, 3)


def support_plane(scene):
    """The largest plane facing up (normal within 60° of the camera's −y), as liftFrame requires:
    a wall found first is set aside and the search goes on among the remaining points."""
    for _ in range(3):
        plane, inliers = scene.segment_plane(distance_threshold=0.02, ransac_n=3, num_iterations=200)
        normal = np.asarray(plane[:3]) / np.linalg.norm(plane[:3])
        if abs(normal[1]) >= np.cos(np.pi / 3):
            return plane
        scene = scene.select_by_index(inliers, invert=True)
    return plane


def canonical_pose(plane):
    """Rotation (rows: right, forward, up in camera coordinates) and translation (0, 0, height)."""
    n = np.asarray(plane[:3], dtype=np.float64)
    d = float(plane[3])
    norm = np.linalg.norm(n)
    n, d = n / norm, d / norm
    if d < 0:
        n, d = -n, -d
    forward = np.array([0.0, 0.0, 1.0]) - n[2] * n
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, n)
    return np.stack([right, forward, n]), np.array([0.0, 0.0, d])


def lift(depth, instances, meta):
    """Lifts one loaded frame; the times cover everything from back-projection on."""
    t0 = time.process_time()
    points = back_project(depth, meta["intrinsics"])
    valid = depth.reshape(-1) > 0
    scene = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points[valid].astype(np.float64)))
    plane = support_plane(scene)
    rotation, translation = canonical_pose(plane)
    t1 = time.process_time()

    objects = []
    for obj in meta["objects"]:
        mask = (instances == obj["maskValue"]) & valid
        pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points[mask].astype(np.float64)))
        scale = max(1.0, float(np.median(points[mask][:, 2])))
        pcd, _ = pcd.remove_statistical_outlier(nb_neighbors=20, std_ratio=2.0)
        pcd = pcd.voxel_down_sample(voxel_size=0.02 * scale)
        labels = np.asarray(pcd.cluster_dbscan(eps=0.05 * scale, min_points=4))
        if labels.size == 0 or labels.max() < 0:
            objects.append({"id": obj["id"], "dropped": True})
            continue
        largest = np.bincount(labels[labels >= 0]).argmax()
        cluster = pcd.select_by_index(np.flatnonzero(labels == largest).tolist())
        obb = cluster.get_oriented_bounding_box()
        canonical = np.asarray(cluster.points) @ rotation.T + translation
        lo, hi = canonical.min(axis=0), canonical.max(axis=0)
        objects.append({
            "id": obj["id"],
            "centre": ((lo + hi) / 2).tolist(),
            "size": (hi - lo).tolist(),
            "obbExtent": np.asarray(obb.extent).tolist(),
            "points": len(cluster.points),
        })
    t2 = time.process_time()
    return {"sceneSeconds": t1 - t0, "objectSeconds": t2 - t1, "height": float(translation[2]), "objects": objects}


def main():
    frames_dir, rounds = sys.argv[1], int(sys.argv[2])
    names = sorted(os.listdir(frames_dir))
    inputs = {}
    for name in names:
        folder = os.path.join(frames_dir, name)
        meta = json.load(open(os.path.join(folder, "meta.json")))
        depth = np.load(os.path.join(folder, "depth.npy"))
        instances = np.load(os.path.join(folder, "instances.npy")).astype(np.int32).reshape(-1)
        inputs[name] = (depth, instances, meta)
    results = []
    for _ in range(rounds):
        start = time.process_time()
        wall = time.perf_counter()
        frames = [lift(*inputs[name]) for name in names]
        results.append({
            "cpuSeconds": time.process_time() - start,
            "wallSeconds": time.perf_counter() - wall,
            "sceneSeconds": sum(f["sceneSeconds"] for f in frames),
            "objectSeconds": sum(f["objectSeconds"] for f in frames),
        })
    json.dump({"open3d": o3d.__version__, "rounds": results, "frames": dict(zip(names, frames))}, sys.stdout)


if __name__ == "__main__":
    main()
