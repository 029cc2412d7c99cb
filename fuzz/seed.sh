#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the shared scanner data (small files only) and from
# tests/fuzz_regressions/. Run from anywhere; DATA overrides the data folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${DATA:-$here/../../shared/data}"
corpus="$here/corpus"
mkdir -p "$corpus"/{nifti_read,dicom_file,dicom_folder,mesh_read}
sep='--medvol-next-file--'
max=200000

# NIfTI: mode byte 0 = .nii, 1 = .nii.gz (harness compresses), 2 = .hdr/.img pair.
for f in "$data"/nifti/*.nii; do
  [ "$(stat -c %s "$f")" -le $max ] || continue
  { printf '\x00'; cat "$f"; } > "$corpus/nifti_read/nii-$(basename "$f")"
done
for f in "$data"/nifti/*.nii.gz; do
  out="$corpus/nifti_read/gz-$(basename "$f" .gz)"
  { printf '\x01'; gzip -dc "$f"; } > "$out"
  [ "$(stat -c %s "$out")" -le $max ] || rm "$out"
done
{ printf '\x02'; cat "$data/nifti/nitrc_minimal.hdr" "$data/nifti/nitrc_minimal.img"; } \
  > "$corpus/nifti_read/pair-nitrc_minimal"

# DICOM single files: every file up to 200 kB.
find "$data" -path '*/dicom/*' -type f -size -$((max / 1024))k | sort | while read -r f; do
  cp "$f" "$corpus/dicom_file/$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f")"
done

# DICOM folders: two or three consecutive slices of one series, joined by the separator.
folder_seed() { # name files...
  local out="$corpus/dicom_folder/$1"; shift
  : > "$out"
  local first=1
  for f in "$@"; do
    [ $first = 1 ] || printf '%s' "$sep" >> "$out"
    cat "$f" >> "$out"; first=0
  done
}
mapfile -t epi < <(ls "$data"/mr_philips_epi_oblique_4d/dicom/* | sort | head -3)
folder_seed epi3 "${epi[@]}"
mapfile -t tosh < <(ls "$data"/mr_toshiba_ax30_b0/dicom/* | sort | head -2)
folder_seed toshiba2 "${tosh[@]}"
mapfile -t small < <(ls "$data"/dicom_ts_pydicom_small/dicom/* | sort | head -3)
folder_seed pydicom3 "${small[@]}"

# Meshes: mode byte 0 = .stl, 1 = .ply; tiny tetrahedra in every encoding.
m="$corpus/mesh_read"
{ printf '\x00'; cat <<'STL'
solid medvol mesh, LPS mm
facet normal 0 0 -1
outer loop
vertex 0 0 0
vertex 0 1 0
vertex 1 0 0
endloop
endfacet
facet normal 0 -1 0
outer loop
vertex 0 0 0
vertex 1 0 0
vertex 0 0 1
endloop
endfacet
endsolid
STL
} > "$m/ascii.stl"
{ printf '\x01'; cat <<'PLY'
ply
format ascii 1.0
comment medvol mesh, LPS mm
element vertex 4
property float x
property float y
property float z
element face 2
property list uchar int vertex_indices
end_header
0 0 0
1 0 0
0 1 0
0 0 1
3 0 2 1
3 0 1 3
PLY
} > "$m/ascii.ply"
python3 - "$m" <<'PY'
import struct, sys
d = sys.argv[1]
v = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
f = [(0, 2, 1), (0, 1, 3), (0, 3, 2), (1, 2, 3)]
stl = bytearray(b"\x00" + b"medvol mesh, LPS mm".ljust(80, b" ") + struct.pack("<I", len(f)))
for t in f:
    stl += struct.pack("<3f", 0, 0, 0)
    for i in t:
        stl += struct.pack("<3f", *v[i])
    stl += b"\x00\x00"
open(f"{d}/binary.stl", "wb").write(stl)
hdr = ("ply\nformat binary_little_endian 1.0\ncomment medvol mesh, RAS mm\nelement vertex 4\n"
       "property float x\nproperty float y\nproperty float z\nelement face 4\n"
       "property list uchar uint vertex_indices\nend_header\n").encode()
ply = bytearray(b"\x01" + hdr)
for p in v:
    ply += struct.pack("<3f", *p)
for t in f:
    ply += struct.pack("<B3I", 3, *t)
open(f"{d}/binary.ply", "wb").write(ply)
PY

# Saved crash inputs (tests/fuzz_regressions/<target>/*) seed their target too.
reg="$here/../tests/fuzz_regressions"
for t in nifti_read dicom_file dicom_folder mesh_read; do
  [ -d "$reg/$t" ] && cp "$reg/$t"/* "$corpus/$t/" 2>/dev/null || true
done
for t in nifti_read dicom_file dicom_folder mesh_read; do
  echo "$t: $(ls "$corpus/$t" | wc -l) seeds"
done
