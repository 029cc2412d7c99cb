//! DICOM reading against the reference records in `shared/data/*/expected.json`
//! (SimpleITK 2.5 and dcm2niix outputs, computed outside medvol).

use medvol_core::{DynVolume, Point};
use medvol_io::dicom::{DicomVolume, Output, ReadOptions, ScanOptions, Tilt, Uniform, scan};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

mod common;
use common::{data_dir, usizes};

fn expected(set: &str) -> Value {
    let text = std::fs::read_to_string(data_dir().join(set).join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn fs(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

/// sha256 of the voxel values as little-endian f64, i fastest (the references' convention).
fn sha256_f64(values: impl Iterator<Item = f64>) -> String {
    let mut h = Sha256::new();
    for v in values {
        h.update(v.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn volume_sha(v: &DynVolume) -> String {
    sha256_f64(v.to_f64().as_slice().iter().copied())
}

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

/// Every reference corner has one of ours within `tol` mm, and vice versa (sets: the
/// references sort them).
fn assert_corner_set(ours: &[Point], theirs: &[Vec<f64>], tol: f64, what: &str) {
    for t in theirs {
        assert!(
            ours.iter().any(|p| close(&p.0, t, tol)),
            "{what}: reference corner {t:?} not among ours {ours:?}"
        );
    }
    for p in ours {
        assert!(
            theirs.iter().any(|t| close(&p.0, t, tol)),
            "{what}: our corner {p:?} not among the reference's {theirs:?}"
        );
    }
}

fn corners_of(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(fs).collect()
}

/// The 8 corner voxel centres of a SimpleITK record (size, spacing, origin, direction).
fn corners_from_record(r: &Value) -> Vec<Vec<f64>> {
    let size = fs(&r["size"]);
    let sp = fs(&r["spacing"]);
    let o = fs(&r["origin"]);
    let d = fs(&r["direction"]);
    let n = size.len();
    (0..8)
        .map(|c| {
            let idx: Vec<f64> = (0..3)
                .map(|a| if c >> a & 1 == 1 { size[a] - 1.0 } else { 0.0 })
                .collect();
            (0..3)
                .map(|r| o[r] + (0..3).map(|a| d[n * r + a] * sp[a] * idx[a]).sum::<f64>())
                .collect()
        })
        .collect()
}

fn check_against_sitk(v: &DicomVolume, r: &Value, what: &str) {
    let g = v.volume.geometry();
    let size: Vec<usize> = usizes(&r["size"]);
    assert_eq!(v.volume.dims().to_vec(), size[..3].to_vec(), "{what}: dims");
    assert!(
        close(&g.spacing(), &fs(&r["spacing"])[..3], 1e-5),
        "{what}: spacing {:?}",
        g.spacing()
    );
    assert!(
        close(&g.origin().0, &fs(&r["origin"])[..3], 1e-5),
        "{what}: origin {:?}",
        g.origin()
    );
    assert!(
        close(
            &g.direction().to_row_major(),
            &fs(&r["direction"])[..9],
            1e-5
        ),
        "{what}: direction {:?}",
        g.direction()
    );
    assert_corner_set(
        &g.corners(v.volume.dims()),
        &corners_of(&r["voxel_center_corners_lps"]),
        1e-3,
        what,
    );
    assert_corner_set(
        &v.corners_acquired,
        &corners_of(&r["voxel_center_corners_lps"]),
        1e-3,
        what,
    );
    let st = v.volume.statistics();
    assert_eq!(st.min, f(&r["min"]), "{what}: min");
    assert_eq!(st.max, f(&r["max"]), "{what}: max");
    assert_eq!(
        volume_sha(&v.volume),
        r["sha256_f64le_xfastest"].as_str().unwrap(),
        "{what}: values"
    );
}

fn folder(set: &str) -> PathBuf {
    data_dir().join(set).join("dicom")
}

#[test]
fn plain_series_equal_simpleitk_and_dcm2niix() {
    for set in [
        "ct_philips_head",
        "mr_siemens_t1_sag_hfs",
        "mr_toshiba_ax30_b0",
    ] {
        let e = expected(set);
        let report = scan(folder(set), &ScanOptions::default()).unwrap();
        assert_eq!(report.volumes.len(), 1, "{set}");
        assert!(report.skipped.is_empty(), "{set}: {:?}", report.skipped);
        let info = &report.volumes[0];
        let sitk = &e["sitk_series_reader"][0];
        assert_eq!(info.series_uid, sitk["gdcm_series_id"].as_str().unwrap());
        // Same slice order as GDCM's sort.
        let names: Vec<String> = info
            .slices
            .iter()
            .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let sitk_names: Vec<&str> = sitk["files_in_sorted_order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(names, sitk_names, "{set}: slice order");
        assert!(info.warnings.is_empty(), "{set}: {:?}", info.warnings);
        let v = report.read(0, &ReadOptions::default()).unwrap();
        assert!(
            matches!(v.volume, DynVolume::I16(_)),
            "{set}: integer HU/values as i16"
        );
        check_against_sitk(&v, sitk, set);
        // dcm2niix's output, read back by SimpleITK, holds the same voxel centres.
        let d2n = &e["dcm2niix"]["outputs"][0]["sitk"];
        assert_corner_set(&v.corners_acquired, &corners_from_record(d2n), 1e-3, set);
        assert_eq!(info.files.len(), sitk["n_files"].as_u64().unwrap() as usize);
    }
}

#[test]
fn tilted_nonuniform_ct_is_reported_and_placed_where_acquired() {
    let set = "ct_ge_tilt_varspacing";
    let e = expected(set);
    let report = scan(folder(set), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 1);
    let info = &report.volumes[0];
    let pyd = &e["pydicom_summary"]["series"][0];
    assert!(
        (info.tilt_deg - f(&pyd["gantry_detector_tilt"])).abs() < 0.05,
        "tilt {}",
        info.tilt_deg
    );
    assert!(!info.spacing.uniform);
    let [lo, hi] = [0, 1].map(|i| f(&pyd["gap_along_normal_min_max"][i]));
    let gaps = &info.spacing.gaps_mm;
    assert!((gaps.iter().copied().fold(f64::INFINITY, f64::min) - lo).abs() < 1e-3);
    assert!((gaps.iter().copied().fold(0.0, f64::max) - hi).abs() < 1e-3);
    assert!(
        info.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("gantry tilt 18.5")),
        "{:?}",
        info.warnings
    );
    assert!(
        info.warnings
            .iter()
            .map(ToString::to_string)
            .any(|w| w.contains("non-uniform")),
        "{:?}",
        info.warnings
    );

    // Corners as acquired: from the first and last slices' own positions.
    let slices = pyd["slices_sorted_by_position_along_normal"]
        .as_array()
        .unwrap();
    let iop = fs(&pyd["image_orientation_patient"]);
    let ps = fs(&pyd["pixel_spacing"]);
    let mut truth = Vec::new();
    for s in [&slices[0], &slices[slices.len() - 1]] {
        let ipp = fs(&s["ipp"]);
        for (i, j) in [(0.0, 0.0), (511.0, 0.0), (0.0, 511.0), (511.0, 511.0)] {
            truth.push(
                (0..3)
                    .map(|a| ipp[a] + iop[a] * ps[1] * i + iop[3 + a] * ps[0] * j)
                    .collect(),
            );
        }
    }
    assert_corner_set(&info.corners_acquired, &truth, 1e-3, "tilt corners");
    // The sheared affine maps the last index to the last slice's position.
    let a = info.affine_acquired.to_array();
    let last = fs(&slices[27]["ipp"]);
    let first = fs(&slices[0]["ipp"]);
    let step: Vec<f64> = (0..3).map(|r| a[r][2]).collect();
    let first_step: Vec<f64> = (0..3).map(|r| f(&slices[1]["ipp"][r]) - first[r]).collect();
    assert!(close(&step, &first_step, 1e-3), "first step {step:?}");
    assert!(close(
        &(0..3).map(|r| a[r][3]).collect::<Vec<_>>(),
        &first,
        1e-3
    ));
    assert!(!close(
        &last,
        &(0..3).map(|r| a[r][3] + 27.0 * a[r][2]).collect::<Vec<_>>(),
        1.0
    ));

    // Raw values in GDCM's order equal SimpleITK's (the grid differs, the voxels do not).
    let as_stored = ReadOptions::default()
        .with_uniform(Uniform::Warn)
        .with_tilt(Tilt::Raw);
    let raw = report.read(0, &as_stored).unwrap();
    let sitk = &e["sitk_series_reader"][0];
    assert_eq!(
        volume_sha(&raw.volume),
        sitk["sha256_f64le_xfastest"].as_str().unwrap()
    );
    assert_eq!(raw.affine, info.affine_acquired);

    // Refuse means refuse.
    let refused = report.read(0, &ReadOptions::default().with_uniform(Uniform::Refuse));
    assert!(matches!(
        refused,
        Err(medvol_io::Error::InconsistentSeries { .. })
    ));

    // Tilt-corrected and equalised onto dcm2niix's `_Tilt_Eq` grid spacing: the same grid.
    let d2n = e["dcm2niix"]["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["file"].as_str().unwrap().contains("Tilt"))
        .unwrap();
    let zk = f(&d2n["zooms"][2]);
    let opts = ReadOptions::default()
        .with_tilt(Tilt::Corrected)
        .with_uniform(Uniform::Resample)
        .with_resample_spacing_mm(zk);
    let fixed = report.read(0, &opts).unwrap();
    assert!(fixed.tilt_corrected && fixed.resampled);
    let shape: Vec<usize> = usizes(&d2n["shape"]);
    assert_eq!(fixed.volume.dims().to_vec(), shape);
    let g = fixed.volume.geometry();
    assert_corner_set(
        &g.corners(fixed.volume.dims()),
        &corners_from_record(&d2n["sitk"]),
        2e-3,
        "tilt grid",
    );
    // Values: same range of HU as the acquired ones, mean close to dcm2niix's (interpolation).
    let st = fixed.volume.statistics();
    assert!(st.min >= -1500.0 && st.max <= 2121.0);
    let mean = f(&d2n["raw_stats"]["mean"]);
    assert!(
        (st.mean - mean).abs() < 0.02 * mean.abs(),
        "mean {} vs {mean}",
        st.mean
    );
    // A slice that lies exactly on a grid plane keeps its voxel values along its own rows.
    let vol = fixed.volume.to_f32();
    let v0 = raw.volume.to_f32();
    let k0 = vol.get(medvol_core::Ijk([256, 99 + 300, 0])).unwrap();
    let r0 = v0.get(medvol_core::Ijk([256, 300, 0])).unwrap();
    assert!((k0 - r0).abs() < 1e-3, "{k0} vs {r0}");
}

#[test]
fn four_d_series_splits_into_time_points() {
    let set = "mr_philips_epi_oblique_4d";
    let e = expected(set);
    let report = scan(folder(set), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 3);
    let d2n = &e["dcm2niix"]["outputs"][0];
    assert_eq!(fs(&d2n["shape"]), vec![64.0, 64.0, 9.0, 3.0]);
    let d2n_corners = corners_from_record(&d2n["sitk"]);
    let mut by_file = std::collections::HashMap::new();
    for (t, info) in report.volumes.iter().enumerate() {
        assert_eq!(info.time_point, Some((t, 3)));
        assert!(info.id.ends_with(&format!("/t{}", t + 1)));
        assert!(info.spacing.uniform);
        let v = report
            .read(t, &ReadOptions::default().with_output(Output::F64))
            .unwrap();
        assert_eq!(v.volume.dims(), [64, 64, 9]);
        assert!(close(
            &v.volume.geometry().spacing(),
            &[3.75, 3.75, 8.0],
            1e-5
        ));
        assert_corner_set(&v.corners_acquired, &d2n_corners, 1e-3, "4d");
        // Auto type: the Philips slope is not integral, so f32.
        let auto = report.read(t, &ReadOptions::default()).unwrap();
        assert!(matches!(auto.volume, DynVolume::F32(_)));
        let vals = v.volume.to_f64();
        for (k, s) in info.slices.iter().enumerate() {
            let name = s.path.file_name().unwrap().to_string_lossy().into_owned();
            let plane = &vals.as_slice()[k * 4096..(k + 1) * 4096];
            by_file.insert(name, plane.to_vec());
        }
    }
    // SimpleITK stacked the 27 files (wrong geometry, right values): same values, same files.
    let sitk = &e["sitk_series_reader"][0];
    let order = sitk["files_in_sorted_order"].as_array().unwrap();
    let stacked = order
        .iter()
        .flat_map(|n| by_file[n.as_str().unwrap()].clone());
    assert_eq!(
        sha256_f64(stacked),
        sitk["sha256_f64le_xfastest"].as_str().unwrap()
    );
    // ... and the values are the time points dcm2niix wrote (stored ints x slope).
    let stats = &d2n["raw_stats"];
    let all: f64 = report
        .volumes
        .iter()
        .enumerate()
        .map(|(t, _)| {
            report
                .read(t, &ReadOptions::default().with_output(Output::F64))
                .unwrap()
                .volume
                .statistics()
                .sum
        })
        .sum();
    let slope = f(&e["pydicom_summary"]["series"][0]["rescale_slope"]);
    assert!((all / slope - f(&stats["sum"])).abs() < 1e-3 * f(&stats["sum"]).abs());
}

#[test]
fn enhanced_multiframe_geometry_from_functional_groups() {
    let set = "mr_siemens_xa10_enhanced";
    let e = expected(set);
    let report = scan(folder(set), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 4);
    for rec in e["sitk_single_file_reader"].as_array().unwrap() {
        let file = rec["file"].as_str().unwrap();
        let t = report
            .volumes
            .iter()
            .position(|v| v.files.len() == 1 && v.files[0].ends_with(file))
            .unwrap_or_else(|| panic!("no volume for {file}"));
        let v = report.read(t, &ReadOptions::default()).unwrap();
        check_against_sitk(&v, rec, file);
    }
    // Time order follows the acquisition.
    let names: Vec<_> = report
        .volumes
        .iter()
        .map(|v| v.files[0].file_name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["6_1.dcm", "6_2.dcm", "6_3.dcm", "6_4.dcm"]);
    let d2n = &e["dcm2niix"]["outputs"][0]["sitk"];
    assert_corner_set(
        &report.volumes[0].corners_acquired,
        &corners_from_record(d2n),
        1e-3,
        "xa10 vs dcm2niix",
    );
}

fn is_jpeg_ls(ts: &str) -> bool {
    ts == "1.2.840.10008.1.2.4.80" || ts == "1.2.840.10008.1.2.4.81"
}

/// Each file of the transfer-syntax sets, read on its own, equals SimpleITK's reading (the
/// mosaic set, which SimpleITK leaves as one 384x384 image: see the mosaic tests).
#[test]
fn every_transfer_syntax_decodes_to_the_reference_values() {
    let mut decoded = 0;
    for set in ["dicom_ts_pydicom_small", "dicom_multiframe_emri_small"] {
        let e = expected(set);
        for rec in e["sitk_single_file_reader"].as_array().unwrap() {
            let file = rec["file"].as_str().unwrap();
            let path = folder(set).join(file);
            let report = scan(&path, &ScanOptions::default()).unwrap();
            assert_eq!(report.volumes.len(), 1, "{file}");
            let info = &report.volumes[0];
            let ts = &info.transfer_syntaxes[0];
            let v = match report.read(0, &ReadOptions::default()) {
                Err(err) if is_jpeg_ls(ts) && !cfg!(feature = "charls") => {
                    let msg = err.to_string();
                    assert!(
                        msg.contains("charls") && msg.contains(ts.as_str()) && msg.contains(file),
                        "{msg}"
                    );
                    continue;
                }
                r => r.unwrap_or_else(|err| panic!("{file} ({ts}): {err}")),
            };
            decoded += 1;
            let st = v.volume.statistics();
            assert_eq!(st.min, f(&rec["min"]), "{file}");
            assert_eq!(st.max, f(&rec["max"]), "{file}");
            assert_eq!(
                volume_sha(&v.volume),
                rec["sha256_f64le_xfastest"].as_str().unwrap(),
                "{file} ({ts})"
            );
            let size = fs(&rec["size"]);
            assert_eq!(v.volume.dims().map(|d| d as f64).to_vec(), size, "{file}");
            if info.has_geometry {
                let g = v.volume.geometry();
                assert!(close(&g.origin().0, &fs(&rec["origin"]), 1e-5), "{file}");
                assert!(
                    close(&g.spacing()[..2], &fs(&rec["spacing"])[..2], 1e-5),
                    "{file}"
                );
                assert!(
                    close(&g.direction().to_row_major(), &fs(&rec["direction"]), 1e-5),
                    "{file}"
                );
            } else {
                assert!(
                    info.warnings
                        .iter()
                        .map(ToString::to_string)
                        .any(|w| w.contains("no ImagePositionPatient")),
                    "{file}"
                );
            }
        }
    }
    assert!(decoded >= 10, "only {decoded} files decoded");
}

#[test]
fn folder_of_duplicates_reports_them() {
    let report = scan(folder("dicom_ts_pydicom_small"), &ScanOptions::default()).unwrap();
    // CT_small, MR_small (6 copies of the same SOP instance skipped), image_dfl.
    assert_eq!(
        report.volumes.len(),
        3,
        "{:#?}",
        report.volumes.iter().map(|v| &v.label).collect::<Vec<_>>()
    );
    let dups = report
        .skipped
        .iter()
        .filter(|s| s.reason.contains("duplicate"))
        .count();
    assert_eq!(dups, 6);
    let ct = report
        .volumes
        .iter()
        .position(|v| v.metadata.modality.as_deref() == Some("CT"))
        .unwrap();
    let v = report.read(ct, &ReadOptions::default()).unwrap();
    // Signed 16-bit stored with intercept -1024 may leave i16: i32 (as SimpleITK).
    assert!(matches!(v.volume, DynVolume::I32(_)));
}

const MOSAIC: &str = "dicom_ts_siemens_mosaic";

/// dcm2niix's de-mosaicked volume, read by medvol's NIfTI reader (LPS).
fn mosaic_reference() -> DynVolume {
    let path = data_dir()
        .join(MOSAIC)
        .join("ref_dcm2niix/ax_asc_35sl_1.nii.gz");
    medvol_io::nifti::read_volume(path).unwrap()
}

/// `ours` equals the reference voxel by voxel in physical space: every voxel centre of ours
/// is (within 1e-3 voxel) a voxel centre of the reference holding the same value, and the
/// two grids have the same extent. Returns the largest distance between matched centres.
fn assert_same_voxels(ours: &DynVolume, reference: &DynVolume, what: &str) -> f64 {
    assert_eq!(ours.dims(), reference.dims(), "{what}: dims");
    let (a, b) = (ours.to_f64(), reference.to_f64());
    let (ga, gb) = (ours.geometry(), reference.geometry());
    let [nx, ny, nz] = ours.dims();
    let mut worst = 0.0f64;
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let p = ga.ijk_to_physical(medvol_core::Ijk([i, j, k]));
                let c = gb.physical_to_index(p).0;
                let r = c.map(|x| x.round());
                assert!(
                    c.iter().zip(&r).all(|(x, y)| (x - y).abs() < 1e-3),
                    "{what}: ({i},{j},{k}) is no reference voxel centre ({c:?})"
                );
                let idx = r.map(|x| x as usize);
                let q = gb.ijk_to_physical(medvol_core::Ijk(idx));
                worst = worst.max((p - q).norm());
                assert_eq!(
                    a.get(medvol_core::Ijk([i, j, k])),
                    b.get(medvol_core::Ijk(idx)),
                    "{what}: value at ({i},{j},{k})"
                );
            }
        }
    }
    worst
}

/// The 9 transfer syntaxes of one Siemens mosaic: each file is its own series (SeriesNumber
/// 1..9) and splits into dcm2niix's 64x64x35 volume, same voxel centres, same values.
#[test]
fn siemens_mosaic_splits_like_dcm2niix() {
    let e = expected(MOSAIC);
    let d2n = &e["dcm2niix"]["outputs"][0];
    assert_eq!(d2n["file"], "ax_asc_35sl_1.nii.gz");
    let shape: Vec<usize> = usizes(&d2n["shape"]);
    let reference = mosaic_reference();
    assert_eq!(reference.dims().to_vec(), shape);
    let rg = reference.geometry();
    let ref_corners = corners_from_record(&d2n["sitk"]);
    let report = scan(folder(MOSAIC), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 9);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    let (mut decoded, mut refused) = (0, 0);
    for (n, info) in report.volumes.iter().enumerate() {
        let file = format!("{}.dcm", n + 1);
        assert!(info.files[0].ends_with(&file), "{:?}", info.files);
        assert_eq!(info.dims.to_vec(), shape, "{file}");
        assert_eq!(info.slices.len(), 35);
        assert_eq!(info.slices[0].tile, Some(0), "{file}: ascending");
        assert!(
            info.warnings
                .iter()
                .map(ToString::to_string)
                .any(|w| w.contains("35 slices of 64x64") && w.contains("SpacingBetweenSlices")),
            "{file}: {:?}",
            info.warnings
        );
        // The geometry equals the reference's, up to dcm2niix's row flip (its j runs the
        // other way): same spacing, same axes, same voxel centres.
        let g = info.geometry;
        assert!(close(&g.spacing(), &rg.spacing(), 1e-6), "{file}");
        assert!(close(&g.spacing(), &fs(&d2n["zooms"]), 1e-6), "{file}");
        for a in 0..3 {
            let (ours, theirs) = (g.direction().axis(a), rg.direction().axis(a));
            let sign = if a == 1 { -1.0 } else { 1.0 };
            assert!(
                (ours.dot(theirs) - sign).abs() < 1e-6,
                "{file}: axis {a} {ours:?} vs {theirs:?}"
            );
        }
        let flipped_origin = rg.ijk_to_physical(medvol_core::Ijk([0, shape[1] - 1, 0]));
        assert!(
            (g.origin() - flipped_origin).norm() < 1e-3,
            "{file}: origin {:?} vs {flipped_origin:?}",
            g.origin()
        );
        assert_corner_set(&g.corners(info.dims), &ref_corners, 1e-3, &file);
        assert_corner_set(&info.corners_acquired, &ref_corners, 1e-3, &file);
        assert!(info.spacing.uniform && info.tilt_deg == 0.0);

        let ts = info.transfer_syntaxes[0].as_str();
        let v = match report.read(n, &ReadOptions::default()) {
            Err(err) if is_jpeg_ls(ts) && !cfg!(feature = "charls") => {
                let msg = err.to_string();
                assert!(
                    msg.contains("charls") && msg.contains(ts) && msg.contains(&file),
                    "{msg}"
                );
                refused += 1;
                continue;
            }
            r => r.unwrap_or_else(|err| panic!("{file} ({ts}): {err}")),
        };
        decoded += 1;
        assert!(matches!(v.volume, DynVolume::I16(_)), "{file}");
        let worst = assert_same_voxels(&v.volume, &reference, &file);
        assert!(worst < 1e-3, "{file}: voxel centres {worst} mm apart");
        let st = v.volume.statistics();
        assert_eq!(st.sum, f(&d2n["raw_stats"]["sum"]), "{file}");
        assert_eq!(st.max, f(&d2n["raw_stats"]["max"]), "{file}");
    }
    // Files 7 and 8 are JPEG-LS (file 6 is JPEG lossless, .4.70, despite the README).
    if cfg!(feature = "charls") {
        assert_eq!((decoded, refused), (9, 0));
    } else {
        assert_eq!((decoded, refused), (7, 2));
    }
}

/// Several mosaics of one series (fMRI time points) become one 64x64x35 volume per time
/// point, in acquisition order; made from the real file with new UIDs and numbers.
#[test]
fn mosaic_time_series_is_four_d() {
    use dicom_core::{DataElement, VR, value::PrimitiveValue};
    use dicom_dictionary_std::tags;
    let dir = tempfile::tempdir().unwrap();
    let src = folder(MOSAIC).join("1.dcm");
    // Written in reverse time order: the reader sorts by AcquisitionNumber.
    for t in [3, 1, 2] {
        let mut obj = dicom_object::open_file(&src).unwrap();
        let uid = format!("1.2.826.0.1.3680043.2.1125.7.{t}");
        for (tag, vr, v) in [
            (tags::SERIES_NUMBER, VR::IS, "5".to_string()),
            (tags::ACQUISITION_NUMBER, VR::IS, t.to_string()),
            (tags::INSTANCE_NUMBER, VR::IS, t.to_string()),
            (tags::SOP_INSTANCE_UID, VR::UI, uid.clone()),
        ] {
            obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v.as_str())));
        }
        obj.update_meta(|m| m.media_storage_sop_instance_uid = uid);
        obj.write_to_file(dir.path().join(format!("f{}.dcm", 4 - t)))
            .unwrap();
    }
    let report = scan(dir.path(), &ScanOptions::default()).unwrap();
    assert_eq!(report.volumes.len(), 3);
    let reference = mosaic_reference();
    for (t, info) in report.volumes.iter().enumerate() {
        assert_eq!(info.time_point, Some((t, 3)));
        assert!(info.id.ends_with(&format!("/t{}", t + 1)), "{}", info.id);
        assert_eq!(info.dims, [64, 64, 35]);
        assert!(info.files[0].ends_with(format!("f{}.dcm", 3 - t)));
        let v = report.read(t, &ReadOptions::default()).unwrap();
        assert!(assert_same_voxels(&v.volume, &reference, "4-D") < 1e-3);
    }
}
