"""Reference for medvol-core/tests/affine_sitk.rs: SimpleITK's index-to-physical map of an
oblique, anisotropic, left-handed grid. Regenerate with
    /work/venv/bin/python medvol-core/tests/data/affine_sitk.py > medvol-core/tests/data/affine_sitk.json
"""
import json
import math

import SimpleITK as sitk

a, b = math.radians(20.0), math.radians(-35.0)
rz = [[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0], [0.0, 0.0, 1.0]]
rx = [[1.0, 0.0, 0.0], [0.0, math.cos(b), -math.sin(b)], [0.0, math.sin(b), math.cos(b)]]
m = [[sum(rz[r][t] * rx[t][c] for t in range(3)) for c in range(3)] for r in range(3)]
for row in m:  # k axis reversed: a left-handed stack, as scanners write
    row[2] = -row[2]

img = sitk.Image(8, 9, 10, sitk.sitkInt16)
img.SetSpacing((0.7, 0.9, 2.5))
img.SetOrigin((-120.5, 33.25, 71.0))
img.SetDirection([v for row in m for v in row])

indices = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [7, 8, 9], [2.5, -1.0, 4.25]]
points = [list(img.TransformContinuousIndexToPhysicalPoint(i)) for i in indices]
print(json.dumps({
    "sitk_version": sitk.Version_VersionString(),
    "spacing": list(img.GetSpacing()),
    "origin": list(img.GetOrigin()),
    "direction": list(img.GetDirection()),
    "indices": indices,
    "points": points,
}, indent=1))
