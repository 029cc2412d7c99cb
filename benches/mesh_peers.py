"""vtkFlyingEdges3D and vtkSTLWriter on the phantom of benches/mesh.rs (peer timings).

Usage: /work/venv/bin/python benches/mesh_peers.py <raw> [repeats]
<raw> is the 256^3 int16 phantom written by `cargo bench --bench mesh` (i fastest, spacing
0.7 x 0.7 x 1.25 mm). Prints the best wall time of vtkFlyingEdges3D (STDThread backend,
1 and 2 threads) at 300 and -500 HU, and of vtkSTLWriter (binary) on the bone surface.
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
