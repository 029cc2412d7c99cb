//! A walk over a DICOM file's element headers before dicom-rs parses it.
//!
//! dicom-parser reserves and zero-fills a buffer of each element's declared length before
//! reading its value, so a 200-byte file declaring a 4 GiB element makes it allocate and touch
//! 4 GiB. This walk reads only the element headers (seeking over values) and refuses a file in
//! which a value, item or fragment claims more bytes than the file has left.

use flate2::read::DeflateDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

const UNDEFINED: u32 = u32::MAX;
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);

enum Syntax {
    ExplicitLe,
    ImplicitLe,
    ExplicitBe,
}

/// A source the walk can skip over: by seeking (files) or by reading (deflated data sets).
trait Skip: Read {
    fn skip_bytes(&mut self, n: u64) -> std::io::Result<()>;
}

impl Skip for BufReader<File> {
    fn skip_bytes(&mut self, n: u64) -> std::io::Result<()> {
        self.seek_relative(i64::try_from(n).map_err(std::io::Error::other)?)
    }
}

impl<R: BufRead> Skip for DeflateDecoder<R> {
    fn skip_bytes(&mut self, n: u64) -> std::io::Result<()> {
        let copied = std::io::copy(&mut self.take(n), &mut std::io::sink())?;
        if copied < n {
            Err(std::io::ErrorKind::UnexpectedEof.into())
        } else {
            Ok(())
        }
    }
}

struct Walker<R> {
    r: R,
    len: u64,
    pos: u64,
}

impl<R: Skip> Walker<R> {
    fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut b = [0u8; N];
        self.r.read_exact(&mut b).ok()?;
        self.pos += N as u64;
        Some(b)
    }

    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        self.r.skip_bytes(n)?;
        self.pos += n;
        Ok(())
    }

    /// Checks that `n` bytes remain after the current position.
    fn fits(&self, n: u32, what: &str) -> Result<(), String> {
        if u64::from(n) > self.len.saturating_sub(self.pos) {
            Err(format!(
                "{what} at byte {} declares {n} bytes but only {} remain",
                self.pos,
                self.len.saturating_sub(self.pos)
            ))
        } else {
            Ok(())
        }
    }
}

/// `Err(reason)` when an element of the file at `path` declares a length past the end of the
/// file. Files that cannot be walked (no DICM marker, deflated data set, I/O errors) pass: the
/// parser reports those itself.
pub(crate) fn check_lengths(path: &Path) -> Result<(), String> {
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return Ok(());
    };
    let mut w = Walker {
        r: BufReader::new(file),
        len,
        pos: 0,
    };
    if w.skip(128).is_err() || w.bytes::<4>() != Some(*b"DICM") {
        return Ok(());
    }
    // The meta group: explicit VR little endian; remember the transfer syntax.
    let mut syntax = String::new();
    loop {
        let start = w.pos;
        let Some(tag) = w.bytes::<4>() else {
            return Ok(());
        };
        if u16::from_le_bytes([tag[0], tag[1]]) != 0x0002 {
            if w.r.seek(SeekFrom::Start(start)).is_err() {
                return Ok(());
            }
            w.pos = start;
            break;
        }
        let Some(n) = element_length(&mut w, &Syntax::ExplicitLe)? else {
            return Ok(());
        };
        w.fits(n, "file meta element")?;
        if tag == [0x02, 0x00, 0x10, 0x00] {
            let mut uid = vec![0u8; n.min(64) as usize];
            if w.r.read_exact(&mut uid).is_err() {
                return Ok(());
            }
            w.pos += uid.len() as u64;
            syntax = String::from_utf8_lossy(&uid)
                .trim_end_matches(['\0', ' '])
                .to_string();
            if w.skip(u64::from(n) - uid.len() as u64).is_err() {
                return Ok(());
            }
        } else if w.skip(u64::from(n)).is_err() {
            return Ok(());
        }
    }
    let syntax = match syntax.as_str() {
        "1.2.840.10008.1.2" => Syntax::ImplicitLe,
        "1.2.840.10008.1.2.2" => Syntax::ExplicitBe,
        "1.2.840.10008.1.2.1.99" => return deflated(path, w.pos),
        _ => Syntax::ExplicitLe,
    };
    walk(&mut w, &syntax)
}

/// A deflated data set (explicit VR little endian once inflated) starting at byte `start`:
/// one pass measures how much of it inflates (up to a corrupt block, if any: the parser
/// reads that far too), a second walks it.
fn deflated(path: &Path, start: u64) -> Result<(), String> {
    let open = || -> Option<DeflateDecoder<BufReader<File>>> {
        let mut f = BufReader::new(File::open(path).ok()?);
        f.seek(SeekFrom::Start(start)).ok()?;
        Some(DeflateDecoder::new(f))
    };
    let Some(mut d) = open() else { return Ok(()) };
    let mut len = 0u64;
    let mut chunk = [0u8; 8192];
    while let Ok(n @ 1..) = d.read(&mut chunk) {
        len += n as u64;
    }
    let Some(r) = open() else { return Ok(()) };
    walk(&mut Walker { r, len, pos: 0 }, &Syntax::ExplicitLe)
}

fn u16_of(b: [u8; 2], s: &Syntax) -> u16 {
    if matches!(s, Syntax::ExplicitBe) {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    }
}

fn u32_of(b: [u8; 4], s: &Syntax) -> u32 {
    if matches!(s, Syntax::ExplicitBe) {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

/// Reads the VR (explicit syntaxes) and length of the element whose tag was just read.
/// `Ok(None)` at the end of the file.
fn element_length<R: Skip>(w: &mut Walker<R>, s: &Syntax) -> Result<Option<u32>, String> {
    if matches!(s, Syntax::ImplicitLe) {
        return Ok(w.bytes::<4>().map(|b| u32_of(b, s)));
    }
    let Some(vr) = w.bytes::<2>() else {
        return Ok(None);
    };
    // As dicom-parser reads them: these VRs have a 2-byte length, every other (unknown VRs
    // included) a reserved word and a 4-byte length.
    let short = matches!(
        &vr,
        b"AE"
            | b"AS"
            | b"AT"
            | b"CS"
            | b"DA"
            | b"DS"
            | b"DT"
            | b"FL"
            | b"FD"
            | b"IS"
            | b"LO"
            | b"LT"
            | b"PN"
            | b"SH"
            | b"SL"
            | b"SS"
            | b"ST"
            | b"TM"
            | b"UI"
            | b"UL"
            | b"US"
    );
    if short {
        Ok(w.bytes::<2>().map(|b| u32::from(u16_of(b, s))))
    } else {
        let Some(b) = w.bytes::<6>() else {
            return Ok(None);
        };
        let n = u32_of([b[2], b[3], b[4], b[5]], s);
        // An undefined-length value of unknown type is parsed as implicit VR: stop here.
        Ok((n != UNDEFINED || &vr == b"SQ" || &vr == b"OB" || &vr == b"OW").then_some(n))
    }
}

/// Walks every data set element, the pixel data and what follows it included (the decoder
/// parses the whole file). Sequence and item contents are walked in place; other values,
/// and encapsulated pixel data fragments, are checked and skipped.
fn walk<R: Skip>(w: &mut Walker<R>, s: &Syntax) -> Result<(), String> {
    loop {
        let Some(t) = w.bytes::<4>() else {
            return Ok(());
        };
        let tag = (u16_of([t[0], t[1]], s), u16_of([t[2], t[3]], s));
        if tag.0 == 0xFFFE {
            // Item or delimiter: a 4-byte length, contents (if any) walked as elements.
            let Some(n) = w.bytes::<4>().map(|b| u32_of(b, s)) else {
                return Ok(());
            };
            if n != UNDEFINED {
                w.fits(n, "item")?;
            }
            continue;
        }
        let Some(n) = element_length(w, s)? else {
            return Ok(());
        };
        if tag == PIXEL_DATA && n == UNDEFINED {
            if !fragments(w, s)? {
                return Ok(());
            }
            continue;
        }
        if n == UNDEFINED {
            // A sequence (or UN holding one): its items follow in place.
            continue;
        }
        w.fits(n, "element")?;
        if w.skip(u64::from(n)).is_err() {
            return Ok(());
        }
    }
}

/// Encapsulated pixel data: items of defined length up to the sequence delimiter.
/// `Ok(true)` when the delimiter was reached and the walk can go on after it.
fn fragments<R: Skip>(w: &mut Walker<R>, s: &Syntax) -> Result<bool, String> {
    loop {
        let Some(t) = w.bytes::<4>() else {
            return Ok(false);
        };
        let Some(n) = w.bytes::<4>().map(|b| u32_of(b, s)) else {
            return Ok(false);
        };
        match (u16_of([t[0], t[1]], s), u16_of([t[2], t[3]], s)) {
            (0xFFFE, 0xE000) => {}
            (0xFFFE, 0xE0DD) => return Ok(true),
            _ => return Ok(false),
        }
        w.fits(n, "pixel data fragment")?;
        if w.skip(u64::from(n)).is_err() {
            return Ok(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, name: &str, body: &[u8]) -> std::path::PathBuf {
        let mut b = vec![0u8; 128];
        b.extend_from_slice(b"DICM");
        // (0002,0010) UI "1.2.840.10008.1.2.1" explicit VR little endian.
        b.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I', 20, 0]);
        b.extend_from_slice(b"1.2.840.10008.1.2.1\0");
        b.extend_from_slice(body);
        let p = dir.join(name);
        std::fs::write(&p, b).unwrap();
        p
    }

    #[test]
    fn refuses_lengths_past_the_end_and_accepts_fitting_ones() {
        let dir = std::env::temp_dir().join(format!("medvol-guard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // (0010,0010) PN "AB", (0028,0010) US 8, (7FE0,0010) OW 4 bytes.
        let ok = [
            &[0x10, 0x00, 0x10, 0x00, b'P', b'N', 2, 0, b'A', b'B'][..],
            &[0x28, 0x00, 0x10, 0x00, b'U', b'S', 2, 0, 8, 0],
            &[
                0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0, 4, 0, 0, 0, 1, 2, 3, 4,
            ],
        ]
        .concat();
        assert_eq!(check_lengths(&file(&dir, "ok.dcm", &ok)), Ok(()));
        // An OW element (before the pixel data) declaring 2 GiB.
        let huge = [
            &[0x09, 0x00, 0x10, 0x10, b'O', b'W', 0, 0][..],
            &0x8000_0000u32.to_le_bytes(),
            &[0; 8],
        ]
        .concat();
        let err = check_lengths(&file(&dir, "huge.dcm", &huge)).unwrap_err();
        assert!(err.contains("2147483648"), "{err}");
        // Pixel data declaring more than the file holds.
        let short = [
            &[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0][..],
            &64u32.to_le_bytes(),
            &[0; 8],
        ]
        .concat();
        assert!(check_lengths(&file(&dir, "short.dcm", &short)).is_err());
        // An item inside an undefined-length sequence declaring too much.
        let item = [
            &[0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0][..],
            &UNDEFINED.to_le_bytes(),
            &[0xFE, 0xFF, 0x00, 0xE0],
            &1_000_000u32.to_le_bytes(),
        ]
        .concat();
        assert!(check_lengths(&file(&dir, "item.dcm", &item)).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// No false alarm on real files: every file of the shared scanner data passes (all
    /// transfer syntaxes, enhanced multi-frame, sequences of defined and undefined length).
    #[test]
    fn every_shared_data_file_passes() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
        let mut n = 0;
        for set in std::fs::read_dir(&data).unwrap() {
            let Ok(files) = std::fs::read_dir(set.unwrap().path().join("dicom")) else {
                continue;
            };
            for f in files {
                let p = f.unwrap().path();
                assert_eq!(check_lengths(&p), Ok(()), "{}", p.display());
                n += 1;
            }
        }
        assert!(n > 150, "{n} files checked");
    }
}
