"""vtkFlyingEdges3D and vtkSTLWriter on the phantom of benches/mesh.rs (peer timings).

Usage: /work/venv/bin/python benches/mesh_peers.py <raw> [repeats]
<raw> is the 256^3 int16 phantom written by `cargo bench --bench mesh` (i fastest, spacing
0.7 x 0.7 x 1.25 mm). Prints the best wall time of vtkFlyingEdges3D (STDThread backend,
1 and 2 threads) at 300 and -500 HU, and of writing the bone surface as binary STL with
vtkSTLWriter and with a minimal numpy writer (records built with array operations, one
write, fsync as medvol does); then the measures of the bone surface with numpy: boundary and
non-manifold edge counts (np.unique over sorted edge keys), area and enclosed volume.
"""
import os
import sys
import tempfile
import time

import numpy as np
import vtk
from vtk.util import numpy_support as ns

raw = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
a = np.fromfile(raw, dtype="<i2").reshape(256, 256, 256)  # (k, j, i)
img = vtk.vtkImageData()
img.SetDimensions(256, 256, 256)
img.SetSpacing(0.7, 0.7, 1.25)
img.GetPointData().SetScalars(ns.numpy_to_vtk(a.ravel(), deep=1, array_type=vtk.VTK_SHORT))
smp = vtk.vtkSMPTools()
smp.SetBackend("STDThread")
bone = None
for level in (300.0, -500.0):
    for threads in (1, 2):
        smp.Initialize(threads)
        best = float("inf")
        for _ in range(repeats):
            fe = vtk.vtkFlyingEdges3D()
            fe.SetInputData(img)
            fe.SetValue(0, level)
            fe.ComputeNormalsOff()
            fe.ComputeGradientsOff()
            fe.ComputeScalarsOff()
            t = time.perf_counter()
            fe.Update()
            best = min(best, time.perf_counter() - t)
        out = fe.GetOutput()
        print(f"vtkFlyingEdges3D {level:+.0f} HU, {threads} thread(s) [{smp.GetBackend()}]: "
              f"{best * 1e3:.1f} ms, {out.GetNumberOfPolys()} triangles")
        if level == 300.0:
            bone = out
path = os.path.join(tempfile.mkdtemp(), "bone.stl")
best = float("inf")
for _ in range(max(3, repeats // 2)):
    w = vtk.vtkSTLWriter()
    w.SetInputData(bone)
    w.SetFileTypeToBinary()
    w.SetFileName(path)
    t = time.perf_counter()
    w.Write()
    best = min(best, time.perf_counter() - t)
print(f"vtkSTLWriter binary, bone: {best * 1e3:.1f} ms")

tris = ns.vtk_to_numpy(bone.GetPolys().GetConnectivityArray()).reshape(-1, 3)
pts = ns.vtk_to_numpy(bone.GetPoints().GetData()).astype(np.float32)
record = np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
best = float("inf")
for _ in range(max(3, repeats // 2)):
    t = time.perf_counter()
    v = pts[tris]
    n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-30)
    rec = np.zeros(len(tris), dtype=record)
    rec["n"], rec["v"] = n, v
    with open(path, "wb") as f:
        f.write(b" " * 80)
        f.write(np.uint32(len(tris)).tobytes())
        rec.tofile(f)
        f.flush()
        os.fsync(f.fileno())
    best = min(best, time.perf_counter() - t)
print(f"numpy binary STL (with fsync), bone: {best * 1e3:.1f} ms, {len(tris)} triangles")

best_edges = best_sums = float("inf")
for _ in range(max(3, repeats // 2)):
    t = time.perf_counter()
    e = np.sort(np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), axis=1)
    keys = (e[:, 0].astype(np.uint64) << np.uint64(32)) | e[:, 1].astype(np.uint64)
    _, counts = np.unique(keys, return_counts=True)
    boundary, non_manifold = int((counts == 1).sum()), int((counts > 2).sum())
    best_edges = min(best_edges, time.perf_counter() - t)
    t = time.perf_counter()
    v = pts[tris].astype(np.float64)
    area = 0.5 * np.linalg.norm(np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]), axis=1).sum()
    volume = np.einsum("ij,ij->i", v[:, 0], np.cross(v[:, 1], v[:, 2])).sum() / 6.0
    best_sums = min(best_sums, time.perf_counter() - t)
print(f"numpy edge report, bone: {best_edges * 1e3:.1f} ms ({boundary} boundary, "
      f"{non_manifold} non-manifold edges)")
print(f"numpy area and volume, bone: {best_sums * 1e3:.1f} ms ({area:.0f} mm2, {volume:.0f} mm3)")
