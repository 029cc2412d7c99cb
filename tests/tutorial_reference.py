"""Reference values for tests/tutorial.rs: the tutorial's steps (src/tutorial.rs) run by the
peers on the shared CT series ../shared/data/ct_philips_head/dicom.

Made once with (from the worktree root):

    /work/venv/bin/python tests/tutorial_reference.py > tests/tutorial_reference.json

SimpleITK reads the series (GDCM sort, rescale applied) and resamples it; pydicom reads one
file's attributes and pixels; scipy smooths (the discrete Gaussian medvol matches to 1e-8 in
medvol-filter/tests/reference_data.rs) and numpy normalises and takes per-slice means; VTK
meshes the padded volume (vtkFlyingEdges3D, vtkMassProperties); trimesh checks that surface.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pydicom
import scipy.ndimage as ndi
import SimpleITK as sitk
import trimesh
import vtk
from vtk.util import numpy_support

DATA = Path(__file__).resolve().parents[2] / "shared/data/ct_philips_head/dicom"
ISO_MM = 1.0
SIGMA_MM = 1.0
LEVEL = 300.0
# Interior voxels (i, j, k) of the 1 mm grid and of the input grid.
ISO_PROBES = [[115, 115, 70], [60, 170, 20], [200, 40, 120], [115, 20, 100], [31, 77, 5]]
PROBES = [[256, 256, 14], [100, 300, 3], [400, 120, 25], [17, 500, 0], [300, 60, 9]]


def series():
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(DATA)))
    return sitk.Cast(reader.Execute(), sitk.sitkFloat64)


def geometry(img):
    return {
        "size": list(img.GetSize()),
        "spacing": list(img.GetSpacing()),
        "origin": list(img.GetOrigin()),
        "direction": list(img.GetDirection()),
    }


def stats(arr):
    return {"min": float(arr.min()), "max": float(arr.max()), "mean": float(arr.mean()),
            "std_population": float(arr.std())}


def probes(arr_zyx, ijks):
    return [[ijk, float(arr_zyx[ijk[2], ijk[1], ijk[0]])] for ijk in ijks]


def resample(img):
    size = [int(round(n * s / ISO_MM)) for n, s in zip(img.GetSize(), img.GetSpacing())]
    out = sitk.Resample(img, size, sitk.Transform(), sitk.sitkLinear, img.GetOrigin(),
                        [ISO_MM] * 3, img.GetDirection(), 0.0)
    return {"tool": "sitk.Resample(linear, origin and direction kept, size round(n*s/1))",
            **geometry(out), "probes_ijk_value": probes(sitk.GetArrayFromImage(out), ISO_PROBES)}


def one_file():
    d = pydicom.dcmread(DATA / "I10")
    px = pydicom.pixels.apply_modality_lut(d.pixel_array, d).astype(np.float64)
    return {"tool": "pydicom.dcmread(I10), apply_modality_lut", "file": "I10",
            "rows": int(d.Rows), "columns": int(d.Columns), "modality": d.Modality,
            "series_description": d.SeriesDescription, "patient_name": str(d.PatientName),
            **stats(px)}


def smooth_normalise(arr_zyx, spacing_xyz):
    sigma = [SIGMA_MM / s for s in reversed(spacing_xyz)]
    smooth = ndi.gaussian_filter(arr_zyx, sigma=sigma, mode="nearest", truncate=4.0)
    shifted = (smooth + 1000.0) * 1e-3  # ShiftScale(shift 1000, scale 0.001)
    return {"tool": "scipy.ndimage.gaussian_filter(sigma 1 mm, nearest, truncate 4) then "
                    "(x + 1000) * 0.001", "sigma_mm": SIGMA_MM, **stats(shifted),
            "probes_ijk_value": probes(shifted, PROBES)}


def surface(img, arr_zyx):
    pad = np.pad(arr_zyx, 1, mode="constant", constant_values=arr_zyx.min())
    image = vtk.vtkImageData()
    image.SetDimensions(pad.shape[2], pad.shape[1], pad.shape[0])
    image.SetSpacing(*img.GetSpacing())
    image.GetPointData().SetScalars(numpy_support.numpy_to_vtk(pad.ravel(), deep=True))
    fe = vtk.vtkFlyingEdges3D()
    fe.SetInputData(image)
    fe.SetValue(0, LEVEL)
    fe.Update()
    tri = vtk.vtkTriangleFilter()
    tri.SetInputConnection(fe.GetOutputPort())
    tri.Update()
    poly = tri.GetOutput()
    mass = vtk.vtkMassProperties()
    mass.SetInputData(poly)
    mass.Update()
    points = numpy_support.vtk_to_numpy(poly.GetPoints().GetData())
    faces = numpy_support.vtk_to_numpy(poly.GetPolys().GetData()).reshape(-1, 4)[:, 1:]
    mesh = trimesh.Trimesh(points, faces, process=False)
    return {"tool": "vtkFlyingEdges3D on the volume padded with its minimum, vtkMassProperties; "
                    "trimesh.is_watertight", "level": LEVEL, "n_points": poly.GetNumberOfPoints(),
            "n_triangles": poly.GetNumberOfPolys(), "area_mm2": mass.GetSurfaceArea(),
            "volume_mm3": mass.GetVolume(), "watertight": bool(mesh.is_watertight)}


def main():
    img = series()
    arr = sitk.GetArrayFromImage(img)
    json.dump({
        "made_by": "/work/venv/bin/python tests/tutorial_reference.py > tests/tutorial_reference.json",
        "versions": {"SimpleITK": sitk.Version.VersionString(), "pydicom": pydicom.__version__,
                     "vtk": vtk.vtkVersion.GetVTKVersion(), "trimesh": trimesh.__version__},
        "series": {"tool": "sitk.ImageSeriesReader (GDCM sort)", **geometry(img), **stats(arr),
                   "probes_ijk_value": probes(arr, PROBES)},
        "resample_iso": resample(img),
        "one_file": one_file(),
        "smooth_normalise": smooth_normalise(arr, img.GetSpacing()),
        "surface": surface(img, arr),
        "slice_means": {"tool": "numpy mean over each k slice", "means": arr.mean(axis=(1, 2)).tolist()},
    }, sys.stdout, indent=1)
    print()


main()
