"""scipy / SimpleITK / numpy timings on the phantom of benches/filter.rs (peer timings).

Usage: /work/venv/bin/python benches/filter_peers.py <raw|.nii> [repeats] [--slow] [--threads N]
<raw> is the 256^3 float32 phantom written by `cargo bench --bench filter` (i fastest,
spacing 0.7 x 0.7 x 1.25 mm); a `.nii` file (e.g. the int16 phantom the `filter` example reads)
is read by SimpleITK in its own voxel type. Prints the median wall time per operation;
SimpleITK runs with N threads (default: all cores). --slow adds SimpleITK's median r=2 (about
20 s).
"""
import statistics
import sys
import time

import numpy as np
import scipy.ndimage as ndi
import SimpleITK as sitk

raw = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 5
slow = "--slow" in sys.argv
if "--threads" in sys.argv:
    sitk.ProcessObject_SetGlobalDefaultNumberOfThreads(int(sys.argv[sys.argv.index("--threads") + 1]))
if raw.endswith(".nii") or raw.endswith(".nii.gz"):
    img = sitk.ReadImage(raw)
    arr = sitk.GetArrayFromImage(img)  # (k, j, i), the file's voxel type
    spacing = img.GetSpacing()
else:
    spacing = (0.7, 0.7, 1.25)
    arr = np.fromfile(raw, dtype="<f4").reshape(256, 256, 256)  # (k, j, i)
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(spacing)


def timed(name, f, n=repeats):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    print(f"{name:36s} median {statistics.median(times):.4f} s  (min {min(times):.4f}, {n} runs)")


sig_vox = [1.0 / s for s in spacing[::-1]]  # scipy axis order (k, j, i)
new_size = [int(round(n * s / 1.0)) for n, s in zip(img.GetSize(), spacing)]
print(f"threads: SimpleITK {sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()}")
timed("scipy gaussian_filter 1mm", lambda: ndi.gaussian_filter(arr, sig_vox, mode="nearest", truncate=4.0))
timed("sitk SmoothingRecursiveGaussian 1mm", lambda: sitk.SmoothingRecursiveGaussian(img, 1.0))
timed("sitk DiscreteGaussian 1mm", lambda: sitk.DiscreteGaussian(img, 1.0, 64, 0.001, True))
timed("sitk Median r1", lambda: sitk.Median(img, [1, 1, 1]), n=max(1, repeats // 2))
timed("scipy median_filter size3", lambda: ndi.median_filter(arr, size=3, mode="nearest"), n=1)
if slow:
    timed("sitk Median r2", lambda: sitk.Median(img, [2, 2, 2]), n=1)
timed("sitk Resample linear 1mm", lambda: sitk.Resample(img, new_size, sitk.Transform(), sitk.sitkLinear,
                                                         img.GetOrigin(), (1.0, 1.0, 1.0), img.GetDirection(), 0.0))
timed("sitk Resample nearest 1mm", lambda: sitk.Resample(img, new_size, sitk.Transform(), sitk.sitkNearestNeighbor,
                                                          img.GetOrigin(), (1.0, 1.0, 1.0), img.GetDirection(), 0.0))
timed("numpy rescale [0,1]", lambda: (arr - arr.min()) / (arr.max() - arr.min()))
timed("numpy zscore (ddof=1)", lambda: (arr - arr.mean()) / arr.std(ddof=1))
timed("sitk RescaleIntensity", lambda: sitk.RescaleIntensity(img, 0.0, 1.0))
timed("sitk Normalize", lambda: sitk.Normalize(img))
timed("sitk BinaryThreshold", lambda: sitk.BinaryThreshold(img, 300.0, max(300.0, float(arr.max()))))
