//! Gives UN elements of undefined length their byte length, in a copy of an explicit VR file.
//!
//! The walk follows dicom-parser's rules (an undefined length opens a sequence of explicit VR
//! items, pixel data of undefined length holds fragments) except for UN: there it reads the
//! items as implicit VR little endian, as PS3.5 6.2.2 says they are, finds the sequence
//! delimiter and writes the distance to it into the element's length field. The file keeps
//! its size, so every other offset stays valid. Every length met must fit in what encloses
//! it; the copy is returned only when the walk ends exactly at the end of the file, so
//! dicom-parser never meets a length the file cannot hold.

use dicom_encoding::transfer_syntax::{Codec, Endianness, TransferSyntaxIndex};
use dicom_object::meta::FileMetaTable;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::path::Path;

const ITEM: (u16, u16) = (0xFFFE, 0xE000);
const ITEM_END: (u16, u16) = (0xFFFE, 0xE00D);
const SEQUENCE_END: (u16, u16) = (0xFFFE, 0xE0DD);
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);
const UNDEFINED: u32 = u32::MAX;
const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";

/// The file at `path` with its UN elements of undefined length given their length, or `None`
/// when it has none, is larger than `max_bytes`, is not explicit VR, or does not walk.
pub(crate) fn with_un_lengths(path: &Path, max_bytes: u64) -> Option<Vec<u8>> {
    let len = std::fs::metadata(path).ok()?.len();
    if len > max_bytes {
        return None;
    }
    let mut bytes = std::fs::read(path).ok()?;
    let (start, big_endian) = data_set(&bytes)?;
    let mut walker = Walker {
        b: &mut bytes,
        big_endian,
        patched: 0,
    };
    let end = walker.b.len();
    (walker.elements(start, Some(end))? == end && walker.patched > 0).then_some(bytes)
}

/// Where the data set starts and whether it is big endian, for explicit VR syntaxes that
/// are not deflated.
fn data_set(bytes: &[u8]) -> Option<(usize, bool)> {
    if bytes.get(128..132)? != b"DICM" || bytes.get(132..136)? != [2, 0, 0, 0] {
        return None;
    }
    let group_length = u32::from_le_bytes(bytes.get(140..144)?.try_into().ok()?);
    let start = 144usize.checked_add(usize::try_from(group_length).ok()?)?;
    let meta = FileMetaTable::from_reader(bytes.get(128..)?).ok()?;
    let uid = meta.transfer_syntax().trim_end_matches('\0');
    let ts = TransferSyntaxRegistry.get(uid)?;
    let implicit = uid == IMPLICIT_VR_LE;
    let inflated = matches!(ts.codec(), Codec::Dataset(_));
    (!implicit && !inflated).then_some((start, ts.endianness() == Endianness::Big))
}

struct Walker<'a> {
    b: &'a mut [u8],
    big_endian: bool,
    patched: usize,
}

impl Walker<'_> {
    fn u16(&self, at: usize, big: bool) -> Option<u16> {
        let w: [u8; 2] = self.b.get(at..at + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(w)
        } else {
            u16::from_le_bytes(w)
        })
    }

    fn u32(&self, at: usize, big: bool) -> Option<u32> {
        let w: [u8; 4] = self.b.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        })
    }

    fn tag(&self, at: usize, big: bool) -> Option<(u16, u16)> {
        Some((self.u16(at, big)?, self.u16(at + 2, big)?))
    }

    /// The end of a value of `len` bytes at `at`, when it fits before `limit`.
    fn skip(at: usize, len: u32, limit: usize) -> Option<usize> {
        let stop = at.checked_add(usize::try_from(len).ok()?)?;
        (stop <= limit).then_some(stop)
    }

    /// Explicit VR elements from `at` up to `end`, or up to an item delimiter when `end` is
    /// `None`; returns where they stop.
    fn elements(&mut self, mut at: usize, end: Option<usize>) -> Option<usize> {
        let big = self.big_endian;
        loop {
            match end {
                Some(e) if at == e => return Some(at),
                _ if at >= end.unwrap_or(self.b.len()) => return None,
                _ => {}
            }
            let tag = self.tag(at, big)?;
            if tag == ITEM_END {
                return end.is_none().then_some(at + 8);
            }
            let vr: [u8; 2] = self.b.get(at + 4..at + 6)?.try_into().ok()?;
            let long = matches!(
                &vr,
                b"OB"
                    | b"OD"
                    | b"OF"
                    | b"OL"
                    | b"OV"
                    | b"OW"
                    | b"SQ"
                    | b"SV"
                    | b"UC"
                    | b"UN"
                    | b"UR"
                    | b"UT"
                    | b"UV"
            );
            let (len, value) = if long {
                (self.u32(at + 8, big)?, at + 12)
            } else {
                (u32::from(self.u16(at + 6, big)?), at + 8)
            };
            let limit = end.unwrap_or(self.b.len());
            at = match len {
                UNDEFINED if &vr == b"UN" => self.give_length(at + 8, value)?,
                UNDEFINED if tag == PIXEL_DATA => self.fragments(value)?,
                UNDEFINED => self.items(value, None, false)?,
                _ if &vr == b"SQ" => {
                    let stop = Self::skip(value, len, limit)?;
                    self.items(value, Some(stop), false)?
                }
                _ => Self::skip(value, len, limit)?,
            };
        }
    }

    /// Finds the end of the implicit VR items at `value` and writes their byte length (the
    /// sequence delimiter included) into the length field at `field`.
    fn give_length(&mut self, field: usize, value: usize) -> Option<usize> {
        let after = self.items(value, None, true)?;
        let len = u32::try_from(after - value)
            .ok()
            .filter(|l| *l != UNDEFINED)?;
        let word = if self.big_endian {
            len.to_be_bytes()
        } else {
            len.to_le_bytes()
        };
        self.b.get_mut(field..field + 4)?.copy_from_slice(&word);
        self.patched += 1;
        Some(after)
    }

    /// Sequence items from `at` up to `end`, or through the sequence delimiter when `end` is
    /// `None`; explicit VR in the file's byte order, or implicit VR little endian.
    fn items(&mut self, mut at: usize, end: Option<usize>, implicit: bool) -> Option<usize> {
        let big = self.big_endian && !implicit;
        loop {
            if end == Some(at) {
                return Some(at);
            }
            let tag = self.tag(at, big)?;
            if tag == SEQUENCE_END && end.is_none() {
                return Some(at + 8);
            }
            if tag != ITEM {
                return None;
            }
            let len = self.u32(at + 4, big)?;
            let (body, limit) = (at + 8, end.unwrap_or(self.b.len()));
            at = match (len, implicit) {
                (UNDEFINED, true) => self.implicit_elements(body)?,
                (UNDEFINED, false) => self.elements(body, None)?,
                (_, true) => Self::skip(body, len, limit)?,
                (_, false) => {
                    let stop = Self::skip(body, len, limit)?;
                    self.elements(body, Some(stop))?
                }
            };
        }
    }

    /// Implicit VR little endian elements of an undefined-length item, through its delimiter.
    fn implicit_elements(&mut self, mut at: usize) -> Option<usize> {
        loop {
            let tag = self.tag(at, false)?;
            let len = self.u32(at + 4, false)?;
            if tag == ITEM_END {
                return Some(at + 8);
            }
            at = if len == UNDEFINED {
                self.items(at + 8, None, true)?
            } else {
                Self::skip(at + 8, len, self.b.len())?
            };
        }
    }

    /// Encapsulated pixel data fragments, through the sequence delimiter.
    fn fragments(&self, mut at: usize) -> Option<usize> {
        loop {
            let tag = self.tag(at, self.big_endian)?;
            if tag == SEQUENCE_END {
                return Some(at + 8);
            }
            let len = self.u32(at + 4, self.big_endian)?;
            if tag != ITEM || len == UNDEFINED {
                return None;
            }
            at = Self::skip(at + 8, len, self.b.len())?;
        }
    }
}
