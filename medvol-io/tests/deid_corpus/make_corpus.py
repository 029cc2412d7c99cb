#!/usr/bin/env python3
"""Builds the de-identification test corpus in OUT_DIR (run by medvol-io/tests/deid_corpus.rs).

    python make_corpus.py OUT_DIR

OUT_DIR/public/   copies of public test files of pydicom and pydicom-data (plus a DICOMDIR)
OUT_DIR/canary/   files that set every single-tag row of PS3.15 Table E.1-1 (read from
                  medvol-io/src/dicom/deid/table_e1_1.psv) to a recognisable value:
                  top.dcm     every row at the top level, plus curve and overlay data (50xx, 60xx rows)
                              and a private attribute
                  nested.dcm  every row in the shared functional group item, in a sequence item
                              nested inside it, and in each of two per-frame functional group
                              items (an enhanced MR image)
                  un.dcm      every non-sequence row encoded as VR UN (explicit VR little endian)
OUT_DIR/canary.json  what was written: for each row, tag, keyword, basic code, option codes,
                  VR and the canary value (as text), and the rows left out with the reason.

Canary values: text "CANARY", person names "Canary^Tweety", dates 19710203, times 040506,
date-times 19710203040506, numbers 31337 (31.337 for decimals), UIDs
1.2.826.0.1.3680043.10.1471.<row number>, bytes b"CANARYCANARY"; a sequence gets one item with
a Referenced SOP Instance UID canary (its Code Meaning is a neutral "Item").
"""
import json
import pathlib
import shutil
import struct
import sys

import numpy as np
import pydicom
import pydicom.config
from pydicom.data import get_testdata_file
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

HERE = pathlib.Path(__file__).resolve().parent
TABLE = HERE.parent.parent / "src" / "dicom" / "deid" / "table_e1_1.psv"
UID_ROOT = "1.2.826.0.1.3680043.10.1471."
PUBLIC = [
    "CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "rtstruct.dcm", "reportsi.dcm",
    "test-SR.dcm", "UN_sequence.dcm", "nested_priv_SQ.dcm", "liver_1frame.dcm", "JPEG2000.dcm",
    "emri_small.dcm", "OBXXXX1A.dcm", "SC_rgb.dcm",
]


def rows():
    lines = [l for l in TABLE.read_text().splitlines() if l and not l.startswith("#")]
    header = lines[0].split("|")
    for line in lines[1:]:
        yield dict(zip(header, line.split("|")))


def canary_value(vr, index):
    """The canary value of `vr` for the `index`th row (UIDs differ per row)."""
    text = {"AE": "CANARYAE", "AS": "071Y", "CS": "CANARY", "DA": "19710203",
            "DT": "19710203040506", "TM": "040506", "DS": "31.337", "IS": "31337",
            "PN": "Canary^Tweety", "UR": "http://canary.example/x"}
    if vr in text:
        return text[vr]
    if vr in ("LO", "LT", "SH", "ST", "UT", "UC"):
        return "CANARY"
    if vr == "UI":
        return UID_ROOT + str(index)
    if vr in ("FL", "FD"):
        return 31.337
    if vr in ("SS", "US", "SL", "UL", "SV", "UV"):
        return 31337
    if vr == "AT":
        return 0x00100010
    if vr in ("OB", "OW", "OD", "OF", "OL", "OV", "UN"):
        return b"CANARYCANARY"
    raise ValueError(vr)


def canary_item(index):
    item = Dataset()
    item.CodeMeaning = "Item"
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    item.ReferencedSOPInstanceUID = UID_ROOT + f"{index}.1"
    return item


def element_bytes(vr, value):
    """The little-endian value bytes of a canary, for its VR UN copy."""
    if isinstance(value, bytes):
        data = value
    elif vr in ("FL",):
        data = struct.pack("<f", value)
    elif vr in ("FD",):
        data = struct.pack("<d", value)
    elif vr in ("SS", "US", "SL", "UL", "SV", "UV"):
        data = struct.pack({"SS": "<h", "US": "<H", "SL": "<i", "UL": "<I", "SV": "<q",
                            "UV": "<Q"}[vr], value)
    elif vr == "AT":
        data = struct.pack("<HH", value >> 16, value & 0xFFFF)
    else:
        data = value.encode("ascii")
        if len(data) % 2:
            data += b"\0" if vr == "UI" else b" "
    return data


def table_rows():
    """(tag, row, vr, index) of every single-tag row that can sit in a data set."""
    out, left_out = [], []
    for index, row in enumerate(rows()):
        tag = row["tag"]
        if "x" in tag or tag == "PRIVATE":
            left_out.append((tag, "repeating group or private: one example in top.dcm"))
            continue
        t = int(tag, 16)
        if t >> 16 in (0x0000, 0x0002):
            left_out.append((tag, "command or file meta group: not in a data set"))
            continue
        if t in (0xFFFAFFFA, 0xFFFCFFFC):
            left_out.append((tag, "signature and padding: end-of-data-set items"))
            continue
        try:
            vr = dictionary_VR(t).split(" or ")[0]
        except KeyError:
            vr = vr_from_keyword(row["keyword"])
        out.append((t, row, vr, index))
    return out, left_out


def vr_from_keyword(keyword):
    """A VR for rows newer than pydicom's dictionary, from the keyword's ending."""
    for ending, vr in (("Sequence", "SQ"), ("DateTime", "DT"), ("Date", "DA"), ("Time", "TM"),
                       ("Name", "PN"), ("Comment", "LT"), ("Description", "LO")):
        if keyword.endswith(ending):
            return vr
    return "LO"


def repeating_and_private(ds):
    """The table's repeating-group rows (curves, overlays) and a private attribute."""
    ds.add(DataElement(0x50003000, "OB", b"CANARYCANARY"))
    ds.add(DataElement(0x60003000, "OW", b"CANARYCANARY"))
    ds.add(DataElement(0x60004000, "LT", "CANARY"))
    ds.add(DataElement(0x00090010, "LO", "CANARY CREATOR"))
    ds.add(DataElement(0x00091001, "LO", "CANARY"))


def fill(ds, entries, un=False):
    for t, row, vr, index in entries:
        if vr == "SQ":
            if not un:
                ds.add(DataElement(t, "SQ", Sequence([canary_item(index)])))
            continue
        value = canary_value(vr, index)
        if un:
            ds.add(DataElement(t, "UN", element_bytes(vr, value)))
        else:
            ds.add(DataElement(t, vr, value))


def image(ds, sop_class, frames=1):
    ds.SOPClassUID = sop_class
    ds.Modality = "MR"
    ds.Rows, ds.Columns = 4, 5
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    pixels = (np.arange(frames * 20, dtype=np.uint16) * 37) % 4096
    ds.PixelData = pixels.tobytes()
    if frames > 1:
        ds.NumberOfFrames = frames


def geometry(ds):
    ds.ImagePositionPatient = [-12.5, 3.25, 100.125]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0.8, -0.6]
    ds.PixelSpacing = [0.7, 0.9]
    ds.SliceThickness = 2.5


def save(ds, path, instance):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.save_as(path, enforce_file_format=True)


def canaries(out):
    entries, left_out = table_rows()
    mr = "1.2.840.10008.5.1.4.1.1.4"
    # SOP Instance UID is a row: every file holds the same canary, as the meta does
    top = Dataset()
    fill(top, entries)
    repeating_and_private(top)
    image(top, mr)
    geometry(top)
    instance = top.SOPInstanceUID
    save(top, out / "top.dcm", instance)

    enhanced = Dataset()
    fill(enhanced, entries)
    image(enhanced, "1.2.840.10008.5.1.4.1.1.4.1", frames=2)
    shared = Dataset()
    fill(shared, entries)
    inner = Dataset()
    fill(inner, entries)
    measures = Dataset()
    measures.PixelSpacing = [0.7, 0.9]
    measures.SliceThickness = 2.5
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.FrameContentSequence = Sequence([inner])  # a kept sequence holding every row
    enhanced.SharedFunctionalGroupsSequence = Sequence([shared])
    frames = []
    for k in range(2):
        frame = Dataset()
        fill(frame, entries)
        position = Dataset()
        position.ImagePositionPatient = [-12.5, 3.25, 100.125 + 2.5 * k]
        frame.PlanePositionSequence = Sequence([position])
        frames.append(frame)
    enhanced.PerFrameFunctionalGroupsSequence = Sequence(frames)
    save(enhanced, out / "nested.dcm", instance)

    un = Dataset()
    image(un, mr)
    geometry(un)
    fill(un, entries, un=True)
    save(un, out / "un.dcm", instance)

    described = []
    for t, row, vr, index in entries:
        value = "ITEM" if vr == "SQ" else canary_value(vr, index)
        if isinstance(value, bytes):
            value = value.decode("ascii")
        described.append({"tag": f"{t:08X}", "keyword": row["keyword"], "basic": row["basic"],
                          "vr": vr, "value": str(value),
                          "options": {k: v for k, v in row.items()
                                      if k not in ("tag", "keyword", "basic") and v}})
    return described, left_out


def public(out):
    for name in PUBLIC:
        shutil.copy(get_testdata_file(name), out / name)
    dicomdir = out / "media"
    dicomdir.mkdir()
    shutil.copy(get_testdata_file("DICOMDIR"), dicomdir / "DICOMDIR")


def main():
    # keep the UN copies as UN (pydicom would otherwise re-type them from its dictionary)
    pydicom.config.replace_un_with_known_vr = False
    out = pathlib.Path(sys.argv[1])
    (out / "public").mkdir(parents=True, exist_ok=True)
    (out / "canary").mkdir(parents=True, exist_ok=True)
    public(out / "public")
    rows_written, left_out = canaries(out / "canary")
    (out / "canary.json").write_text(json.dumps(
        {"pydicom": pydicom.__version__, "rows": rows_written,
         "left_out": [{"tag": t, "reason": r} for t, r in left_out]}, indent=1))
    print(f"{len(rows_written)} canary rows, {len(left_out)} left out, in {out}")


if __name__ == "__main__":
    main()
