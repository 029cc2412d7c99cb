"""Prints what pydicom reads from one of its own test files, as JSON, for medvol's tests.

Usage: pydicom_values.py <name> [--header]   (a file of pydicom's test files or pydicom-data;
with --header, no "values": for files pydicom cannot decode here)

Keys: "path" (where the file is), "rows", "columns", "frames", "samples" (per pixel),
"pixel_spacing", "position", "orientation", "series_uid" (absent when the file lacks them)
and "values": the modality values pydicom gives (`apply_modality_lut` on `pixel_array`:
a Modality LUT Sequence, else RescaleSlope/Intercept), frame after frame, row after row,
and for colour images the samples of each pixel in turn (RGB, as `pixel_array` converts
YBR), as a flat list. Used by the ignored tests in medvol-io/tests/dicom_values.rs.
"""
import json
import sys

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut

path = get_testdata_file(sys.argv[1])
ds = pydicom.dcmread(path)
out = {
    "path": path,
    "rows": int(ds.Rows),
    "columns": int(ds.Columns),
    "frames": int(ds.get("NumberOfFrames", 1) or 1),
    "samples": int(ds.SamplesPerPixel),
}
for key, keyword in [
    ("pixel_spacing", "PixelSpacing"),
    ("position", "ImagePositionPatient"),
    ("orientation", "ImageOrientationPatient"),
]:
    if keyword in ds:
        out[key] = [float(v) for v in ds[keyword].value]
if "SeriesInstanceUID" in ds:
    out["series_uid"] = str(ds.SeriesInstanceUID)
if "--header" not in sys.argv[2:]:
    values = ds.pixel_array
    if out["samples"] == 1:
        values = apply_modality_lut(values, ds)
    out["values"] = np.asarray(values, dtype=np.float64).ravel().tolist()
json.dump(out, sys.stdout)
