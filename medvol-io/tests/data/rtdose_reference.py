"""Reference values for medvol-io/tests/dicom_rtdose.rs, computed with pydicom.

    /work/venv/bin/python medvol-io/tests/data/rtdose_reference.py > medvol-io/tests/data/rtdose_reference.json

rtdose.dcm is pydicom's test file `pydicom/data/test_files/rtdose.dcm` (pydicom 3, MIT licence),
copied unchanged. Frame f lies at ImagePositionPatient + GridFrameOffsetVector[f] * normal
(PS3.3 C.8.8.3.2, offsets relative to the first frame when the first offset is 0); dose =
stored value * DoseGridScaling.
"""
import hashlib, json, os, sys
import numpy as np
import pydicom

here = os.path.dirname(os.path.abspath(__file__))
d = pydicom.dcmread(os.path.join(here, "rtdose.dcm"))
ipp = np.array([float(v) for v in d.ImagePositionPatient])
iop = np.array([float(v) for v in d.ImageOrientationPatient])
row, col = iop[:3], iop[3:]
normal = np.cross(row, col)
offsets = [float(v) for v in d.GridFrameOffsetVector]
ps = [float(v) for v in d.PixelSpacing]  # row spacing (along j), column spacing (along i)
dose = d.pixel_array.astype(np.float64) * float(d.DoseGridScaling)  # (frames, rows, cols)
frames = []
for f, off in enumerate(offsets):
    frames.append((ipp + off * normal).tolist())
corners = []
for f in (0, len(offsets) - 1):
    for j in (0, d.Rows - 1):
        for i in (0, d.Columns - 1):
            p = ipp + offsets[f] * normal + row * ps[1] * i + col * ps[0] * j
            corners.append(p.tolist())
print(json.dumps({
    "command": "python medvol-io/tests/data/rtdose_reference.py (pydicom " + pydicom.__version__ + ")",
    "dims_ijk": [d.Columns, d.Rows, len(offsets)],
    "dose_grid_scaling": float(d.DoseGridScaling),
    "frame_positions_lps": frames,
    "corners_lps": corners,
    "dose_min": float(dose.min()), "dose_max": float(dose.max()), "dose_sum": float(dose.sum()),
    "sha256_dose_f64le_ifastest": hashlib.sha256(dose.astype("<f8").tobytes()).hexdigest(),
    "probes": [[[i, j, k], float(dose[k, j, i])] for (i, j, k) in [(0, 0, 0), (3, 7, 2), (9, 9, 14), (5, 0, 9)]],
}, indent=1))
