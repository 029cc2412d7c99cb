"""Peers of benches/io.rs: nibabel and SimpleITK read and write the same 256^3 i16 phantom.

Run by hand in the same sitting as `cargo bench --bench io` (which writes the files):
    /work/venv/bin/python benches/io_peers.py [dir]   # default: $TMPDIR/medvol-bench-io
Prints best-of-N milliseconds and MB/s of voxel bytes, and the .nii.gz compression ratios.
"""
import os
import sys
import tempfile
import time

import nibabel as nib
import numpy as np
import SimpleITK as sitk

d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "medvol-bench-io")
nii, gz = os.path.join(d, "phantom.nii"), os.path.join(d, "phantom.nii.gz")
N = 5


def best(f):
    t = []
    for _ in range(N):
        s = time.perf_counter()
        f()
        t.append(time.perf_counter() - s)
    return min(t)


img = nib.load(nii)
arr = np.asanyarray(img.dataobj)
nbytes = arr.nbytes
assert arr.dtype == np.int16 and arr.shape == (256, 256, 256), (arr.dtype, arr.shape)
sitk_img = sitk.ReadImage(nii)
out_nib = os.path.join(d, "peer_nib.nii.gz")
out_sitk = os.path.join(d, "peer_sitk.nii.gz")


def report(name, secs, extra=""):
    print(f"{name:28s} {secs * 1e3:8.1f} ms {nbytes / secs / 1e6:8.0f} MB/s {extra}")


report("nibabel read .nii", best(lambda: np.asanyarray(nib.load(nii).dataobj).copy()))
report("nibabel read .nii.gz", best(lambda: np.asanyarray(nib.load(gz).dataobj)))
report("sitk read .nii", best(lambda: sitk.ReadImage(nii)))
report("sitk read .nii.gz", best(lambda: sitk.ReadImage(gz)))
report("nibabel write .nii", best(lambda: nib.save(nib.Nifti1Image(arr, img.affine), os.path.join(d, "peer_nib.nii"))))
t = best(lambda: nib.save(nib.Nifti1Image(arr, img.affine), out_nib))
report("nibabel write .nii.gz", t, f"ratio {(nbytes + 352) / os.path.getsize(out_nib):.2f}")
report("sitk write .nii", best(lambda: sitk.WriteImage(sitk_img, os.path.join(d, "peer_sitk.nii"))))
t = best(lambda: sitk.WriteImage(sitk_img, out_sitk, True))
report("sitk write .nii.gz", t, f"ratio {(nbytes + 352) / os.path.getsize(out_sitk):.2f}")
print(f"medvol .nii.gz ratio {(nbytes + 352) / os.path.getsize(gz):.2f}")
