"""Reads a DICOM series folder with SimpleITK and compares it with what medvol wrote.

Usage: sitk_read_series.py <folder> <expected.json> <values.f64>

expected.json holds dims [i, j, k], spacing, origin (LPS mm), direction (row-major, columns
are the axes) and the value tolerance; values.f64 holds the voxels as little-endian f64,
i fastest. Exits 1 with a message on the first disagreement. Used by the ignored test
`written_series_read_back_in_simpleitk` in medvol-io/tests/dicom_write.rs.
"""
import json
import sys

import numpy as np
import SimpleITK as sitk

folder, expected_path, values_path = sys.argv[1:4]
expected = json.load(open(expected_path))
reader = sitk.ImageSeriesReader()
reader.SetFileNames(reader.GetGDCMSeriesFileNames(folder))
image = reader.Execute()
errors = []
if list(image.GetSize()) != expected["dims"]:
    errors.append(f"size {image.GetSize()} vs {expected['dims']}")
for name, got, want in [
    ("spacing", image.GetSpacing(), expected["spacing"]),
    ("origin", image.GetOrigin(), expected["origin"]),
    ("direction", image.GetDirection(), expected["direction"]),
]:
    d = np.max(np.abs(np.subtract(got, want)))
    if d > 1e-4:
        errors.append(f"{name} {got} vs {want} (max difference {d})")
got = sitk.GetArrayFromImage(image).astype(np.float64).ravel()
want = np.fromfile(values_path, dtype="<f8")
if got.shape != want.shape:
    errors.append(f"{got.shape[0]} values vs {want.shape[0]}")
else:
    d = np.max(np.abs(got - want))
    if d > expected["tolerance"]:
        errors.append(f"values differ by up to {d} > {expected['tolerance']}")
if errors:
    print("; ".join(errors))
    sys.exit(1)
print(f"ok: {folder}")
