"""SimpleITK ImageSeriesReader on the DICOM bench series (peer timing for benches/dicom.rs).

Usage: /work/venv/bin/python benches/dicom_sitk.py <folder> [repeats]
Prints the median wall time of GetGDCMSeriesFileNames + ImageSeriesReader.Execute().
"""
import statistics
import sys
import time

import SimpleITK as sitk

folder = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 10
times = []
for _ in range(repeats):
    t = time.perf_counter()
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(folder))
    image = reader.Execute()
    times.append(time.perf_counter() - t)
print(f"SimpleITK ImageSeriesReader: median {statistics.median(times):.4f} s "
      f"(min {min(times):.4f}) size {image.GetSize()} {image.GetPixelIDTypeAsString()}")
