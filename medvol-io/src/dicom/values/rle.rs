//! RLE Lossless (1.2.840.10008.1.2.5, PS3.5 Annex G) frames of 32-bit samples, which
//! dicom-pixeldata's RLE decoder refuses: RTDOSE grids are often stored this way.
//!
//! Each frame is one fragment: a 64-byte header (the segment count, then up to 15 segment
//! offsets) and PackBits segments, one per byte plane, most significant byte first, sample
//! after sample.

/// Bytes per 32-bit sample, hence segments per sample.
const BYTES: usize = 4;

/// The samples of every frame, as little-endian 32-bit words, frame after frame, the samples
/// of a pixel next to each other. `Err` says what is wrong with the data.
pub(crate) fn decode_32bit(
    fragments: &[Vec<u8>],
    frames: usize,
    pixels: usize,
    samples: usize,
) -> Result<Vec<u8>, String> {
    if fragments.len() != frames {
        return Err(format!(
            "{} RLE fragments for {frames} frame(s): one per frame expected",
            fragments.len()
        ));
    }
    let frame_len = pixels * samples * BYTES;
    let mut out = vec![0u8; frames * frame_len];
    for (f, (fragment, dst)) in fragments.iter().zip(out.chunks_mut(frame_len)).enumerate() {
        decode_frame(fragment, pixels, samples, dst).map_err(|e| format!("frame {f}: {e}"))?;
    }
    Ok(out)
}

fn decode_frame(
    fragment: &[u8],
    pixels: usize,
    samples: usize,
    dst: &mut [u8],
) -> Result<(), String> {
    let word = |at: usize| -> Result<usize, String> {
        let b = fragment
            .get(at..at + 4)
            .ok_or("RLE header shorter than 64 bytes")?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let count = word(0)?;
    if count != samples * BYTES {
        return Err(format!(
            "{count} RLE segments where {samples} sample(s) of 32 bits need {}",
            samples * BYTES
        ));
    }
    let mut plane = vec![0u8; pixels];
    for s in 0..count {
        let start = word(4 + 4 * s)?;
        let end = if s + 1 < count {
            word(8 + 4 * s)?
        } else {
            fragment.len()
        };
        let segment = fragment
            .get(start..end.max(start))
            .ok_or_else(|| format!("RLE segment {s} at {start}..{end} outside the fragment"))?;
        unpack(segment, &mut plane).map_err(|e| format!("RLE segment {s}: {e}"))?;
        // Segment s is byte (s % 4) of sample (s / 4), most significant first.
        let (sample, byte) = (s / BYTES, BYTES - 1 - s % BYTES);
        for (p, v) in plane.iter().enumerate() {
            dst[(p * samples + sample) * BYTES + byte] = *v;
        }
    }
    Ok(())
}

/// PackBits: a header byte n in 0..=127 copies the next n + 1 bytes, 129..=255 repeats the
/// next byte 257 - n times, 128 does nothing. Fills `plane` exactly.
fn unpack(segment: &[u8], plane: &mut [u8]) -> Result<(), String> {
    let (mut i, mut o) = (0, 0);
    while o < plane.len() {
        let Some(&n) = segment.get(i) else {
            return Err(format!("{o} of {} bytes", plane.len()));
        };
        i += 1;
        match n {
            0..=127 => {
                let len = usize::from(n) + 1;
                let src = segment.get(i..i + len).ok_or("literal run past the end")?;
                let dst = plane
                    .get_mut(o..o + len)
                    .ok_or("literal run past the plane")?;
                dst.copy_from_slice(src);
                (i, o) = (i + len, o + len);
            }
            128 => {}
            _ => {
                let len = 257 - usize::from(n);
                let v = *segment.get(i).ok_or("repeat run past the end")?;
                let dst = plane
                    .get_mut(o..o + len)
                    .ok_or("repeat run past the plane")?;
                dst.fill(v);
                (i, o) = (i + 1, o + len);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packbits_runs_and_byte_planes_rebuild_the_words() {
        // Two pixels of one sample: 0x01020304 and 0x01020305.
        let mut fragment = vec![0u8; 64];
        fragment[0] = 4;
        let segments: [&[u8]; 4] = [&[0xFF, 1], &[0xFF, 2], &[0xFF, 3], &[1, 4, 5]];
        for (s, seg) in segments.iter().enumerate() {
            let at = fragment.len() as u32;
            fragment[4 + 4 * s..8 + 4 * s].copy_from_slice(&at.to_le_bytes());
            fragment.extend_from_slice(seg);
        }
        let out = decode_32bit(&[fragment.clone()], 1, 2, 1).unwrap();
        let words: Vec<u32> = out
            .chunks(4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(words, [0x0102_0304, 0x0102_0305]);
        fragment.truncate(70);
        let err = decode_32bit(&[fragment], 1, 2, 1).unwrap_err();
        assert!(err.contains("segment"), "{err}");
    }
}
