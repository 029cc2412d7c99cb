#!/usr/bin/env python3
"""Run medvol's operations with the peers (SimpleITK, VTK, scipy, scikit-image) on the same
files and print medvol/peer ratios measured in one sitting.

Usage (peers in a virtualenv outside the repo; they are never a dependency of medvol):

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install SimpleITK vtk scipy scikit-image pydicom numpy
    cargo build --release --example reconstruct
    cargo bench --bench pipeline -- --test      # writes the 256-slice phantom series once
    /tmp/peers/bin/python benches/peers.py [--series DIR] [--repeat N]

Pipeline compared: DICOM series read -> Gaussian sigma 1 mm -> isosurface 300 HU -> binary STL.
  * SimpleITK ImageSeriesReader + SmoothingRecursiveGaussian + vtkFlyingEdges3D + vtkSTLWriter
  * pydicom + scipy.ndimage.gaussian_filter + skimage.measure.marching_cubes + numpy STL writer
  * medvol: examples/reconstruct --sigma 1 --json (its own stage timings and the wall time)
With --philips it also prints the bone surface (largest component) area and volume of
../shared/data/ct_philips_head by SimpleITK + VTK, the reference of tests/pipeline.rs.
"""
import argparse, glob, json, os, subprocess, sys, tempfile, time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sitk_vtk(series, out, sigma=1.0, level=300.0, largest=False, threads=2):
    """With largest=True the volume is padded by one voxel of -3000 first, so the surface is
    closed at the border as medvol's default (and its enclosed volume is meaningful)."""
    import SimpleITK as sitk
    import vtk
    from vtk.util import numpy_support

    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(threads)
    t = {}
    t0 = time.perf_counter()
    r = sitk.ImageSeriesReader()
    r.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(series))
    img = r.Execute()
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    img = sitk.SmoothingRecursiveGaussian(sitk.Cast(img, sitk.sitkFloat32), sigma)
    t["gaussian"] = time.perf_counter() - t0
    if largest:
        img = sitk.ConstantPad(img, [1, 1, 1], [1, 1, 1], -3000.0)
    t0 = time.perf_counter()
    arr = sitk.GetArrayViewFromImage(img)
    vimg = vtk.vtkImageData()
    vimg.SetDimensions(img.GetSize())
    vimg.SetSpacing(img.GetSpacing())
    vimg.SetOrigin(img.GetOrigin())
    m = vtk.vtkMatrix3x3()
    d = img.GetDirection()
    for i in range(3):
        for j in range(3):
            m.SetElement(i, j, d[3 * i + j])
    vimg.SetDirectionMatrix(m)
    vimg.GetPointData().SetScalars(numpy_support.numpy_to_vtk(arr.ravel(), deep=False))
    fe = vtk.vtkFlyingEdges3D()
    fe.SetInputData(vimg)
    fe.SetValue(0, level)
    fe.ComputeNormalsOff()
    fe.ComputeGradientsOff()
    fe.ComputeScalarsOff()
    fe.Update()
    mesh = fe.GetOutput()
    t["isosurface"] = time.perf_counter() - t0
    if largest:
        t0 = time.perf_counter()
        c = vtk.vtkPolyDataConnectivityFilter()
        c.SetInputData(mesh)
        c.SetExtractionModeToLargestRegion()
        clean = vtk.vtkCleanPolyData()
        clean.SetInputConnection(c.GetOutputPort())
        tri = vtk.vtkTriangleFilter()
        tri.SetInputConnection(clean.GetOutputPort())
        tri.Update()
        mesh = tri.GetOutput()
        t["largest"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    w = vtk.vtkSTLWriter()
    w.SetFileName(out)
    w.SetFileTypeToBinary()
    w.SetInputData(mesh)
    w.Write()
    t["write"] = time.perf_counter() - t0
    mp = vtk.vtkMassProperties()
    mp.SetInputData(mesh)
    mp.Update()
    return t, {"triangles": mesh.GetNumberOfCells(), "area_mm2": mp.GetSurfaceArea(), "volume_mm3": mp.GetVolume()}


def python_stack(series, out, sigma=1.0, level=300.0):
    import pydicom
    from scipy import ndimage
    from skimage import measure

    t = {}
    t0 = time.perf_counter()
    ds = [pydicom.dcmread(f) for f in glob.glob(os.path.join(series, "*"))]
    n = np.array(np.cross(np.array(ds[0].ImageOrientationPatient[:3], float), np.array(ds[0].ImageOrientationPatient[3:], float)))
    ds.sort(key=lambda d: float(np.dot(n, np.array(d.ImagePositionPatient, float))))
    vol = np.stack([d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in ds])
    ps = [float(v) for v in ds[0].PixelSpacing]
    dz = abs(float(np.dot(n, np.array(ds[1].ImagePositionPatient, float) - np.array(ds[0].ImagePositionPatient, float))))
    spacing = (dz, ps[0], ps[1])
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    vol = ndimage.gaussian_filter(vol, [sigma / s for s in spacing], mode="nearest", truncate=4.0)
    t["gaussian"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    verts, faces, _, _ = measure.marching_cubes(vol, level, spacing=spacing)
    t["isosurface"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tri = verts[faces].astype(np.float32)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    rec = np.zeros(len(faces), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["n"] = normals
    rec["v"] = tri
    with open(out, "wb") as f:
        f.write(b"\0" * 80)
        f.write(np.uint32(len(faces)).tobytes())
        f.write(rec.tobytes())
    t["write"] = time.perf_counter() - t0
    return t, {"triangles": len(faces)}


def medvol(series, out, extra=()):
    exe = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "examples", "reconstruct")
    t0 = time.perf_counter()
    res = subprocess.run([exe, series, "--sigma", "1", "--out", out, "--json", "--force", *extra], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    return wall, json.loads(res.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", default=os.path.join(tempfile.gettempdir(), "medvol-bench", "phantom256_dicom"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--philips", action="store_true")
    a = ap.parse_args()
    import SimpleITK, vtk, pydicom, scipy.ndimage, skimage.measure  # noqa: F401  (imports are not timed)
    tmp = tempfile.mkdtemp()
    best = lambda f: min((f() for _ in range(a.repeat)), key=lambda r: r[0])

    m_wall, m = best(lambda: medvol(a.series, os.path.join(tmp, "m.stl")))
    s_wall, (s_t, s_m) = best(lambda: (lambda t0: (lambda r: (time.perf_counter() - t0, r))(sitk_vtk(a.series, os.path.join(tmp, "s.stl"))))(time.perf_counter()))
    p_wall, (p_t, p_m) = best(lambda: (lambda t0: (lambda r: (time.perf_counter() - t0, r))(python_stack(a.series, os.path.join(tmp, "p.stl"))))(time.perf_counter()))
    print(f"series {a.series}: best of {a.repeat}, wall seconds (medvol includes process start)")
    print(f"  medvol               {m_wall:7.3f} s  stages {json.dumps({k: round(v) for k, v in m['timings_ms'].items()})} ms, {m['triangles']} triangles")
    print(f"  SimpleITK + VTK FE   {s_wall:7.3f} s  stages {json.dumps({k: round(v * 1e3) for k, v in s_t.items()})} ms, {s_m['triangles']} triangles  ratio {s_wall / m_wall:5.1f}x")
    print(f"  pydicom+scipy+skimage{p_wall:7.3f} s  stages {json.dumps({k: round(v * 1e3) for k, v in p_t.items()})} ms, {p_m['triangles']} triangles  ratio {p_wall / m_wall:5.1f}x")

    if a.philips:
        series = os.path.join(ROOT, "..", "shared", "data", "ct_philips_head", "dicom")
        _, ref = sitk_vtk(series, os.path.join(tmp, "philips.stl"), sigma=1.0, level=300.0, largest=True)
        _, mine = medvol(series, os.path.join(tmp, "pm.stl"), ["--largest", "--preset", "bone"])
        print(f"ct_philips_head bone, sigma 1 mm, largest component:")
        print(f"  SimpleITK + VTK  area {ref['area_mm2']:.1f} mm2 volume {ref['volume_mm3']:.1f} mm3 triangles {ref['triangles']}")
        print(f"  medvol           area {mine['area_mm2']:.1f} mm2 volume {mine['volume_mm3']:.1f} mm3 triangles {mine['triangles']}")


if __name__ == "__main__":
    sys.exit(main())
