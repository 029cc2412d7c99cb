//! Issue 23: every public function that takes a path takes `impl AsRef<Path>`, so a `String`,
//! a `&str`, a `PathBuf` or a `&Path` all work.

use medvol::io::dicom::{Anonymizer, SeriesOptions, read_first, save_with_pixels, write_series};
use medvol::mesh::{MarchingCubes, write};
use medvol::phantom::HeadPhantom;

#[test]
fn paths_can_be_strings() {
    let tmp = tempfile::tempdir().unwrap();
    let at = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    let ct = HeadPhantom::new([24, 24, 4], [2.0, 2.0, 3.0])
        .unwrap()
        .generate();

    let written = write_series(&ct, at("series"), &SeriesOptions::default()).unwrap();
    let first: String = written.files[0].to_string_lossy().into_owned();
    let slice = read_first(first.as_str()).unwrap();
    save_with_pixels(first.clone(), at("edited.dcm"), &slice.volume.to_f32()).unwrap();
    let report = Anonymizer::new()
        .folder(at("series"), at("anonymous"))
        .unwrap();
    assert_eq!(report.written.len(), 4);
    Anonymizer::new().file(first, at("one.dcm")).unwrap();

    let mesh = MarchingCubes::new(300.0).unwrap().run(&ct).unwrap();
    write::write(&mesh, at("bone.stl")).unwrap();
    write::write_as(
        &mesh,
        at("bone.ply"),
        write::Format::from_path("x.ply").unwrap(),
    )
    .unwrap();
    assert_eq!(
        write::read(at("bone.stl")).unwrap().triangle_count(),
        mesh.triangle_count()
    );
    medvol::core::atomic::write_file(at("note.txt"), |w| std::io::Write::write_all(w, b"x"))
        .unwrap();
    assert_eq!(
        medvol::core::atomic::sweep_stale_temps(at("note.txt")).unwrap(),
        0
    );
    medvol::io::nifti::write(at("ct.nii.gz"), &ct).unwrap();
    let back = medvol::io::nifti::read_volume(at("ct.nii.gz")).unwrap();
    assert_eq!(back.dims(), ct.dims());
}
