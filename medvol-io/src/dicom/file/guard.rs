//! Checks a DICOM file's element lengths before dicom-rs parses it.
//!
//! dicom-parser reserves and zero-fills a buffer of each value's declared length before
//! reading it (and reserves each pixel data fragment's declared length), so a 200-byte file
//! declaring a 4 GiB value makes it allocate and touch 4 GiB.
//!
//! An independent walk over the element headers cannot stay in step with the parser on
//! corrupt files: the parser treats any undefined length as a sequence, reads an item tag
//! met outside a sequence as a value, counts a numeric value's declared length in its
//! position but consumes only whole numbers, reads the file meta group up to its group
//! length rather than its last group-2 tag, and so on. So this check runs the parser's own
//! token reader ([`DataSetReader`]) with the same transfer syntax decoder, options and
//! stream (the deflate adapter included), over a [`Walker`] that replaces only the value
//! reads: it skips each value, consuming exactly the bytes the parser would, and refuses the
//! file as soon as a value or an item declares more bytes than the stream has left. Every
//! element header the parser will see, the walker sees first, at the same byte.
//!
//! The file meta group is walked by hand, as `FileMetaTable` reads it, before dicom-object
//! parses it to name the transfer syntax.

use dicom_core::dictionary::{DataDictionary, VirtualVr};
use dicom_core::header::{DataElementHeader, HasLength, SequenceItemHeader};
use dicom_core::{PrimitiveValue, Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_encoding::decode::Decode;
use dicom_encoding::decode::explicit_le::ExplicitVRLittleEndianDecoder;
use dicom_encoding::transfer_syntax::{Codec, DynDecoder, Endianness, TransferSyntaxIndex};
use dicom_object::meta::FileMetaTable;
use dicom_parser::dataset::read::{DataSetReader, DataSetReaderOptions};
use dicom_parser::stateful::decode::{Error as ParseError, StatefulDecode};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

/// Pixel Representation: dicom-parser reads it to type the `US or SS` attributes.
const PIXEL_REPRESENTATION: Tag = Tag(0x0028, 0x0103);

/// `Err(reason)` when an element, item or fragment of the file at `path` declares more bytes
/// than the file holds, or a deflated data set inflates to more than `max_inflated` bytes.
/// Files the parser refuses on its own without a large allocation (no DICM marker, unknown
/// transfer syntax, a corrupt element header, I/O errors) pass: the parser reports those.
pub(crate) fn check_lengths_within(path: &Path, max_inflated: u64) -> Result<(), String> {
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return Ok(());
    };
    let mut r = Counted::new(Source::File(BufReader::new(file)));
    let Some(start) = preamble(&mut r) else {
        return Ok(());
    };
    let Some(data_set_start) = meta_group(&mut r, len)? else {
        return Ok(());
    };
    // The meta group's lengths fit: dicom-object can now read it to name the syntax.
    let Source::File(mut f) = r.source else {
        return Ok(());
    };
    if f.seek(SeekFrom::Start(start)).is_err() {
        return Ok(());
    }
    let Ok(meta) = FileMetaTable::from_reader(&mut f) else {
        return Ok(());
    };
    let Some(ts) = TransferSyntaxRegistry.get(meta.transfer_syntax()) else {
        return Ok(());
    };
    let reopen = || -> Option<BufReader<File>> {
        let mut f = BufReader::new(File::open(path).ok()?);
        f.seek(SeekFrom::Start(data_set_start)).ok()?;
        Some(f)
    };
    let (source, total, at) = match ts.codec() {
        Codec::Dataset(Some(adapter)) => {
            // As dicom-object reads it: the inflated stream, as far as it inflates.
            let inflate = || Some(adapter.adapt_reader(Box::new(reopen()?)));
            let Some(total) = stream_length(inflate, max_inflated) else {
                return Ok(());
            };
            if total > max_inflated {
                return Err(format!(
                    "the deflated data set inflates to more than {max_inflated} bytes \
                     (Limits::max_bytes)"
                ));
            }
            let Some(stream) = inflate() else {
                return Ok(());
            };
            // Never read past that point: reads short of it always succeed.
            (
                Source::Stream(Box::new(stream.take(total))),
                total,
                Offsets::Inflated,
            )
        }
        Codec::None | Codec::EncapsulatedPixelData(..) => {
            let Some(f) = reopen() else { return Ok(()) };
            (
                Source::File(f),
                len.saturating_sub(data_set_start),
                Offsets::File(data_set_start),
            )
        }
        Codec::Dataset(None) => return Ok(()),
    };
    let Some(decoder) = ts.decoder_for::<Counted>() else {
        return Ok(());
    };
    let stop = Rc::new(RefCell::new(None));
    let walker = Walker {
        src: Counted::new(source),
        decoder,
        total,
        at,
        position: 0,
        big_endian: ts.endianness() == Endianness::Big,
        signed_pixel_data: None,
        stop: Rc::clone(&stop),
    };
    // The reader allocates for an item only on the call after the one that read its header,
    // so stopping between tokens is early enough.
    for token in DataSetReader::new(walker, DataSetReaderOptions::default()) {
        if let Some(s) = stop.borrow_mut().take() {
            return match s {
                Stop::Refused(reason) => Err(reason),
                Stop::Ended => Ok(()),
            };
        }
        if token.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Where dicom-object starts the file meta group: after a 128-byte preamble unless the file
/// starts with the DICM marker. `None` when it finds no marker there.
fn preamble(r: &mut Counted) -> Option<u64> {
    let mut head = [0u8; 132];
    let n = read_up_to(r, &mut head);
    let start = if n >= 132 && &head[128..132] == b"DICM" {
        128
    } else if n >= 4 && &head[..4] == b"DICM" {
        0
    } else {
        return None;
    };
    r.seek_to(start).ok()?;
    Some(start)
}

/// Walks the file meta group as `FileMetaTable` reads it: the DICM marker, a group length
/// element of 4 bytes, then explicit VR little endian elements (of any group) until that
/// many bytes are read. `r` is at the marker, counting from the file's start.
/// `Ok(Some(offset))` of the data set when the group reads.
fn meta_group(r: &mut Counted, len: u64) -> Result<Option<u64>, String> {
    let decoder = ExplicitVRLittleEndianDecoder::default();
    let mut magic = [0u8; 4];
    if r.read_exact(&mut magic).is_err() || &magic != b"DICM" {
        return Ok(None);
    }
    let Ok((first, _)) = decoder.decode_header(r) else {
        return Ok(None);
    };
    let mut word = [0u8; 4];
    if first.tag != Tag(0x0002, 0x0000)
        || first.length().get() != Some(4)
        || r.read_exact(&mut word).is_err()
    {
        return Ok(None);
    }
    let group_length = u32::from_le_bytes(word);
    let mut read = 0u32;
    while read < group_length {
        let Ok((h, header_bytes)) = decoder.decode_header(r) else {
            return Ok(None);
        };
        let Some(n) = h.length().get() else {
            return Ok(None);
        };
        let at = r.consumed;
        let remaining = len.saturating_sub(at);
        if u64::from(n) > remaining {
            return Err(format!(
                "file meta element {} at byte {at} declares {n} bytes but only {remaining} remain",
                h.tag
            ));
        }
        if r.skip(u64::from(n)).is_err() {
            return Ok(None);
        }
        read = read.saturating_add(header_bytes as u32).saturating_add(n);
    }
    Ok(Some(r.consumed))
}

/// How many bytes a stream made by `open` yields before its end or its first error when read
/// byte by byte: the most any reader can get from it (counting at most `max + 1`).
///
/// A decoder that fails in the middle of a read returns the error and drops what that read
/// had produced (flate2 does): a corrupt deflate stream yields less to large reads than to
/// the parser's small ones. So: large reads up to the failing one, then again from the start
/// to there, and byte by byte from there to the error.
fn stream_length<'a>(open: impl Fn() -> Option<Box<dyn Read + 'a>>, max: u64) -> Option<u64> {
    let mut chunk = vec![0u8; 1 << 16];
    let mut r = open()?;
    let mut whole = 0u64;
    loop {
        match r.read(&mut chunk) {
            Ok(0) => return Some(whole),
            Ok(n) => whole += n as u64,
            Err(_) => break,
        }
        if whole > max {
            return Some(whole);
        }
    }
    let mut r = open()?.take(whole);
    if std::io::copy(&mut r, &mut std::io::sink()).ok()? < whole {
        return Some(whole);
    }
    let mut r = r.into_inner();
    let mut total = whole;
    let mut byte = [0u8; 1];
    while total <= max && matches!(r.read(&mut byte), Ok(1)) {
        total += 1;
    }
    Some(total)
}

/// Fills `buf` as far as the reader goes; the number of bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

/// The bytes the parser reads: the file itself, or an adapted (inflated) stream.
enum Source {
    File(BufReader<File>),
    Stream(Box<dyn Read>),
}

/// A [`Source`] counting the bytes consumed from it.
struct Counted {
    source: Source,
    consumed: u64,
}

impl Counted {
    fn new(source: Source) -> Self {
        Self {
            source,
            consumed: 0,
        }
    }

    /// Consumes `n` bytes, which the caller knows are there.
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        match &mut self.source {
            Source::File(f) => f.seek_relative(i64::try_from(n).map_err(std::io::Error::other)?)?,
            Source::Stream(s) => {
                if std::io::copy(&mut s.take(n), &mut std::io::sink())? < n {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            }
        }
        self.consumed += n;
        Ok(())
    }

    /// Moves a file source to byte `at` (streams do not move back).
    fn seek_to(&mut self, at: u64) -> std::io::Result<()> {
        let Source::File(f) = &mut self.source else {
            return Err(std::io::ErrorKind::Unsupported.into());
        };
        f.seek(SeekFrom::Start(at))?;
        self.consumed = at;
        Ok(())
    }
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match &mut self.source {
            Source::File(f) => f.read(buf)?,
            Source::Stream(s) => s.read(buf)?,
        };
        self.consumed += n as u64;
        Ok(n)
    }
}

/// Required by `StatefulDecode::seek`, which the data set reader never calls: refused.
impl Seek for Counted {
    fn seek(&mut self, _: SeekFrom) -> std::io::Result<u64> {
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

/// How a refusal names a byte of the data set.
#[derive(Clone, Copy)]
enum Offsets {
    /// The data set starts at this byte of the file.
    File(u64),
    /// The data set is the inflated stream.
    Inflated,
}

/// Why the walk ended before the reader did.
enum Stop {
    /// A length the parser would allocate does not fit in what is left.
    Refused(String),
    /// The stream ended or failed under a skip: the parser reports it, allocating nothing
    /// larger than what was checked.
    Ended,
}

/// A stand-in for dicom-parser's `StatefulDecoder` under its [`DataSetReader`]: headers are
/// decoded by the same transfer syntax decoder and positions kept by the same rules, but
/// values are skipped, each consuming exactly the bytes the parser's read of it would, and
/// lengths are checked against the bytes left before the reader allocates for them.
struct Walker {
    src: Counted,
    decoder: DynDecoder<Counted>,
    /// Bytes in the data set stream.
    total: u64,
    at: Offsets,
    /// The parser's position: what it counts, not always what it consumed (a numeric value
    /// counts its declared length but consumes only whole numbers).
    position: u64,
    big_endian: bool,
    /// What the parser infers from Pixel Representation (it then reads `US or SS` as SS).
    signed_pixel_data: Option<bool>,
    stop: Rc<RefCell<Option<Stop>>>,
}

impl Walker {
    fn remaining(&self) -> u64 {
        self.total.saturating_sub(self.src.consumed)
    }

    /// Whether `n` bytes are left; if not, the walk stops with a refusal naming `what`.
    fn fits(&mut self, n: u64, what: impl FnOnce() -> String) -> bool {
        let remaining = self.remaining();
        if n <= remaining {
            return true;
        }
        let at = match self.at {
            Offsets::File(start) => format!("at byte {}", start + self.src.consumed),
            Offsets::Inflated => format!("at inflated byte {}", self.src.consumed),
        };
        self.end(Stop::Refused(format!(
            "{} {at} declares {n} bytes but only {remaining} remain",
            what()
        )));
        false
    }

    fn end(&mut self, stop: Stop) {
        let mut s = self.stop.borrow_mut();
        if s.is_none() {
            *s = Some(stop);
        }
    }

    fn skip(&mut self, n: u64) {
        if self.src.skip(n).is_err() {
            self.end(Stop::Ended);
        }
    }

    /// Skips a value as the parser reads it (`whole_numbers`: as its VR's numbers, else as
    /// bytes).
    fn value(&mut self, header: &DataElementHeader, whole_numbers: bool) -> PrimitiveValue {
        let Some(len) = header.length().get() else {
            // Undefined lengths never reach a value read (the reader opens a sequence).
            self.end(Stop::Ended);
            return PrimitiveValue::Empty;
        };
        if len == 0 {
            return PrimitiveValue::Empty;
        }
        if header.vr == VR::SQ {
            self.end(Stop::Ended);
            return PrimitiveValue::Empty;
        }
        let n = if whole_numbers {
            value_bytes(header.vr, len)
        } else {
            u64::from(len)
        };
        if !self.fits(n, || format!("element {} ({})", header.tag, header.vr)) {
            return PrimitiveValue::Empty;
        }
        if whole_numbers
            && header.tag == PIXEL_REPRESENTATION
            && matches!(header.vr, VR::US | VR::OW)
        {
            self.signed_pixel_data = None;
            if n >= 2 {
                let mut b = [0u8; 2];
                if self.src.read_exact(&mut b).is_err() {
                    self.end(Stop::Ended);
                    return PrimitiveValue::Empty;
                }
                let v = if self.big_endian {
                    u16::from_be_bytes(b)
                } else {
                    u16::from_le_bytes(b)
                };
                self.signed_pixel_data = Some(v != 0);
                self.skip(n - 2);
            }
        } else {
            self.skip(n);
        }
        self.position += u64::from(len);
        PrimitiveValue::Empty
    }

    /// Copies up to `length` bytes as `read_to` does (a short stream is not an error).
    fn copy(&mut self, length: u32) {
        let n = u64::from(length).min(self.remaining());
        self.skip(n);
        self.position += u64::from(length);
    }
}

/// Bytes dicom-parser consumes for a value of `len` bytes and type `vr`: numeric VRs are read
/// as whole numbers (a trailing partial number is left in the stream).
fn value_bytes(vr: VR, len: u32) -> u64 {
    let unit: u32 = match vr {
        VR::US | VR::OW | VR::SS => 2,
        VR::AT | VR::FL | VR::OF | VR::SL | VR::OL | VR::UL => 4,
        VR::FD | VR::OD | VR::SV | VR::OV | VR::UV => 8,
        _ => 1,
    };
    u64::from(len / unit * unit)
}

impl StatefulDecode for Walker {
    type Reader = Counted;

    fn decode_header(&mut self) -> Result<DataElementHeader, ParseError> {
        let (mut header, n) = self
            .decoder
            .decode_header(&mut self.src)
            .map_err(|source| ParseError::DecodeElementHeader {
                position: self.position,
                source,
            })?;
        self.position += n as u64;
        if self.signed_pixel_data == Some(true)
            && StandardDataDictionary.by_tag(header.tag).map(|e| e.vr) == Some(VirtualVr::Xs)
        {
            header.vr = VR::SS;
        }
        Ok(header)
    }

    fn decode_item_header(&mut self) -> Result<SequenceItemHeader, ParseError> {
        let header = self
            .decoder
            .decode_item_header(&mut self.src)
            .map_err(|source| ParseError::DecodeItemHeader {
                position: self.position,
                source,
            })?;
        self.position += 8;
        // A pixel data fragment's length is reserved before it is read; any other item's
        // contents must be in the stream too.
        if let SequenceItemHeader::Item { len } = header
            && let Some(n) = len.get()
        {
            self.fits(u64::from(n), || "item".into());
        }
        Ok(header)
    }

    fn read_value(&mut self, header: &DataElementHeader) -> Result<PrimitiveValue, ParseError> {
        Ok(self.value(header, true))
    }

    fn read_value_preserved(
        &mut self,
        header: &DataElementHeader,
    ) -> Result<PrimitiveValue, ParseError> {
        Ok(self.value(header, true))
    }

    fn read_value_bytes(
        &mut self,
        header: &DataElementHeader,
    ) -> Result<PrimitiveValue, ParseError> {
        Ok(self.value(header, false))
    }

    fn read_to_vec(&mut self, length: u32, _vec: &mut Vec<u8>) -> Result<(), ParseError> {
        self.copy(length);
        Ok(())
    }

    fn read_u32_to_vec(&mut self, length: u32, _vec: &mut Vec<u32>) -> Result<(), ParseError> {
        // Whole 32-bit offsets only, counted as read.
        let n = u64::from(length / 4 * 4);
        if self.fits(n, || "offset table".into()) {
            self.skip(n);
            self.position += n;
        }
        Ok(())
    }

    fn read_to<W>(&mut self, length: u32, _out: W) -> Result<(), ParseError>
    where
        Self: Sized,
        W: std::io::Write,
    {
        self.copy(length);
        Ok(())
    }

    fn skip_bytes(&mut self, length: u32) -> Result<(), ParseError> {
        self.copy(length);
        Ok(())
    }

    fn seek(&mut self, _position: u64) -> Result<(), ParseError>
    where
        Self::Reader: Seek,
    {
        // The data set reader never seeks; a walk that did could not follow the parser.
        self.end(Stop::Ended);
        Ok(())
    }

    fn position(&self) -> u64 {
        self.position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check's own reason, without the crate error around it.
    fn check_lengths(path: &Path) -> Result<(), String> {
        check_lengths_within(path, crate::Limits::default().max_bytes)
    }

    fn file(dir: &Path, name: &str, body: &[u8]) -> std::path::PathBuf {
        let mut b = vec![0u8; 128];
        b.extend_from_slice(b"DICM");
        // (0002,0000) UL group length, (0002,0010) UI "1.2.840.10008.1.2.1".
        b.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0, 28, 0, 0, 0]);
        b.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I', 20, 0]);
        b.extend_from_slice(b"1.2.840.10008.1.2.1\0");
        b.extend_from_slice(body);
        let p = dir.join(name);
        std::fs::write(&p, b).unwrap();
        p
    }

    fn pn(len: u16) -> Vec<u8> {
        [
            &[0x10, 0x00, 0x10, 0x00, b'P', b'N'][..],
            &len.to_le_bytes(),
        ]
        .concat()
    }

    #[test]
    fn refuses_lengths_past_the_end_and_accepts_fitting_ones() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        // (0010,0010) PN "AB", (0028,0010) US 8, (7FE0,0010) OW 4 bytes.
        let ok = [
            &pn(2)[..],
            b"AB",
            &[0x28, 0x00, 0x10, 0x00, b'U', b'S', 2, 0, 8, 0],
            &[
                0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0, 4, 0, 0, 0, 1, 2, 3, 4,
            ],
        ]
        .concat();
        assert_eq!(check_lengths(&file(dir, "ok.dcm", &ok)), Ok(()));
        // An OW element (before the pixel data) declaring 2 GiB.
        let huge = [
            &[0x09, 0x00, 0x10, 0x10, b'O', b'W', 0, 0][..],
            &0x8000_0000u32.to_le_bytes(),
            &[0; 8],
        ]
        .concat();
        let err = check_lengths(&file(dir, "huge.dcm", &huge)).unwrap_err();
        assert!(
            err.contains("2147483648") && err.contains("(0009,1010)"),
            "{err}"
        );
        // Pixel data declaring more than the file holds.
        let short = [
            &[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0][..],
            &64u32.to_le_bytes(),
            &[0; 8],
        ]
        .concat();
        assert!(check_lengths(&file(dir, "short.dcm", &short)).is_err());
        // An item inside an undefined-length sequence declaring too much.
        let item = [
            &[0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0][..],
            &u32::MAX.to_le_bytes(),
            &[0xFE, 0xFF, 0x00, 0xE0],
            &1_000_000u32.to_le_bytes(),
        ]
        .concat();
        assert!(check_lengths(&file(dir, "item.dcm", &item)).is_err());
        // A fragment of encapsulated pixel data declaring too much.
        let fragment = [
            &[0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0][..],
            &u32::MAX.to_le_bytes(),
            &[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0],
            &[0xFE, 0xFF, 0x00, 0xE0],
            &0x4000_0000u32.to_le_bytes(),
            &[1, 2, 3, 4],
        ]
        .concat();
        let err = check_lengths(&file(dir, "fragment.dcm", &fragment)).unwrap_err();
        assert!(err.contains("item") && err.contains("1073741824"), "{err}");
    }

    /// The walk follows the parser where a naive walk loses step: an item tag outside any
    /// sequence is read as a value (its contents are not elements), and a numeric value of
    /// odd length leaves its last byte to the next header.
    #[test]
    fn follows_the_parser_where_a_naive_walk_loses_step() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        // (FFFE,E000) of 8 bytes at top level: a UN value, whose bytes look like a header
        // declaring 1 GiB. The parser skips over them, so must the check.
        let item_as_value = [
            &[0xFE, 0xFF, 0x00, 0xE0, 8, 0, 0, 0][..],
            &[0x09, 0x00, 0x10, 0x10, b'O', b'B', 0, 0],
            &pn(2),
            b"AB",
        ]
        .concat();
        assert_eq!(
            check_lengths(&file(dir, "item.dcm", &item_as_value)),
            Ok(())
        );
        // (0028,0010) US of length 3: the parser consumes 2 bytes, so the next header starts
        // one byte early, at a byte the naive walk takes for a value.
        let odd = [
            &[0x28, 0x00, 0x10, 0x00, b'U', b'S', 3, 0, 8, 0][..],
            &[0x09, 0x00, 0x10, 0x10, b'O', b'B', 0, 0],
            &0x4000_0000u32.to_le_bytes(),
            &[0; 8],
        ]
        .concat();
        let err = check_lengths(&file(dir, "odd.dcm", &odd)).unwrap_err();
        assert!(err.contains("1073741824"), "{err}");
    }

    /// A deflated data set is walked as inflated, as far as it inflates: here a stream cut
    /// short after a header declaring 1 GiB of pixel data.
    #[test]
    fn deflated_data_sets_are_walked_inflated() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let data_set = [
            &pn(2)[..],
            b"AB",
            &[0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0],
            &0x4000_0000u32.to_le_bytes(),
            &[7; 4096],
        ]
        .concat();
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&data_set).unwrap();
        let z = z.finish().unwrap();
        let ts = b"1.2.840.10008.1.2.1.99";
        let mut b = vec![0u8; 128];
        b.extend_from_slice(b"DICM");
        b.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0, 30, 0, 0, 0]);
        b.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I', 22, 0]);
        b.extend_from_slice(ts);
        for (name, body) in [("whole.dcm", &z[..]), ("cut.dcm", &z[..z.len() / 2])] {
            let p = dir.path().join(name);
            std::fs::write(&p, [&b[..], body].concat()).unwrap();
            let err = check_lengths(&p).unwrap_err();
            assert!(
                err.contains("(7FE0,0010)") && err.contains("inflated byte 22"),
                "{name}: {err}"
            );
            assert!(
                check_lengths_within(&p, 1000)
                    .unwrap_err()
                    .contains("inflates to more")
            );
        }
    }

    #[test]
    fn meta_group_is_walked_up_to_its_group_length() {
        let dir = tempfile::tempdir().unwrap();
        // A group length covering one more element, of another group, declaring 1 GiB:
        // the meta reader reads it (a naive walk would end the group at its tag).
        let mut b = vec![0u8; 128];
        b.extend_from_slice(b"DICM");
        b.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0, 40, 0, 0, 0]);
        b.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I', 20, 0]);
        b.extend_from_slice(b"1.2.840.10008.1.2.1\0");
        b.extend_from_slice(&[0x09, 0x00, 0x10, 0x00, b'O', b'B', 0, 0]);
        b.extend_from_slice(&0x4000_0000u32.to_le_bytes());
        let p = dir.path().join("meta.dcm");
        std::fs::write(&p, b).unwrap();
        let err = check_lengths(&p).unwrap_err();
        assert!(err.contains("file meta element"), "{err}");
    }

    /// No false alarm on real files: every file of the shared scanner data passes (all
    /// transfer syntaxes, deflated, enhanced multi-frame, sequences of defined and undefined
    /// length).
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
