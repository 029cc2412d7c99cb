//! A gzip writer that compresses blocks of the stream on several threads (the pigz idea).
//!
//! The stream is cut into blocks of [`BLOCK`] bytes. Each block is raw-deflated on its own,
//! primed with the 32 KiB of the stream before it (so matches across the cut are still found
//! and the ratio is that of one stream), and ended with a sync flush so that the deflate
//! streams concatenate into one valid stream; only the last block is final. The CRC-32 of
//! each block is computed beside it and combined.
//!
//! Blocks are a pipeline: a task per block encodes its samples and compresses them on the
//! `rayon` pool while the calling thread writes finished blocks in order, with at most a few
//! blocks per thread in flight. So memory stays at a few blocks whatever the size of the file,
//! no thread waits for a batch to finish, and the output is the same for any number of
//! threads.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::io::{self, Write};

/// Input bytes per block.
pub(crate) const BLOCK: usize = 1 << 21;
/// The deflate window: how much of the stream before a block primes it.
const WINDOW: usize = 32 * 1024;

/// A byte buffer whose memory stays initialised when it is cleared, so that refilling it
/// does not zero it again.
#[derive(Default)]
struct Bytes {
    buf: Vec<u8>,
    len: usize,
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// `n` more bytes at the end, for the caller to overwrite.
    fn grow(&mut self, n: usize) -> &mut [u8] {
        let end = self.len + n;
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        let start = std::mem::replace(&mut self.len, end);
        &mut self.buf[start..end]
    }

    fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.grow(bytes.len()).copy_from_slice(bytes);
    }
}

/// One block: its input and primer, then its compressed bytes and CRC.
#[derive(Default)]
struct Block {
    input: Bytes,
    primer: Bytes,
    output: Vec<u8>,
    crc: crc32fast::Hasher,
}

impl Block {
    /// Raw-deflates the input primed with the primer into `output`, ending with `flush`.
    ///
    /// The compressor is new for each block: one reset after another stream may choose
    /// other matches at the end of the input, and the output must not depend on which
    /// block went before on the same thread.
    fn deflate(&mut self, level: Compression, flush: FlushCompress) -> io::Result<()> {
        let input = self.input.as_slice();
        self.crc = crc32fast::Hasher::new();
        self.crc.update(input);
        let mut z = Compress::new(level, false);
        if self.primer.len() > 0 {
            z.set_dictionary(self.primer.as_slice())
                .map_err(io::Error::other)?;
        }
        self.output.clear();
        // deflate's worst case is a stored block: 5 bytes of header per 16 KiB, plus the flush
        self.output.reserve(input.len() + input.len() / 1024 + 64);
        loop {
            let consumed = z.total_in() as usize;
            let status = z
                .compress_vec(&input[consumed..], &mut self.output, flush)
                .map_err(io::Error::other)?;
            let all_in = z.total_in() as usize == input.len();
            let room_left = self.output.len() < self.output.capacity();
            match (status, flush) {
                (Status::StreamEnd, _) => return Ok(()),
                (_, FlushCompress::Sync) if all_in && room_left => return Ok(()),
                _ => self.output.reserve(64 * 1024),
            }
        }
    }
}

/// A full block to compress: `block` holds its first bytes and the first bytes of its primer;
/// `chunk` and `primer_items` are encoded after them.
struct Job<'a, S> {
    block: Block,
    chunk: &'a [S],
    primer_items: &'a [S],
}

impl<S> Job<'_, S> {
    /// Encodes the job's items and compresses the block.
    fn run(mut self, size: usize, level: Compression, encode: &impl Fn(&[S], &mut [u8])) -> Done {
        let b = &mut self.block;
        encode(
            self.primer_items,
            b.primer.grow(self.primer_items.len() * size),
        );
        encode(self.chunk, b.input.grow(self.chunk.len() * size));
        let result = b.deflate(level, FlushCompress::Sync);
        (self.block, result)
    }
}

/// A compressed block, or the error that stopped it.
type Done = (Block, io::Result<()>);

/// A gzip (RFC 1952) encoder writing one member to `inner`, deflating blocks in parallel
/// with the `rayon` feature. Call [`finish`](Self::finish) to write the trailer.
pub(crate) struct ParallelGzEncoder<W: Write> {
    inner: W,
    level: Compression,
    /// The block being filled.
    current: Block,
    /// Written blocks whose buffers are reused.
    spare: Vec<Block>,
    /// The last [`WINDOW`] bytes of the stream before `current`.
    window: Vec<u8>,
    crc: crc32fast::Hasher,
    /// Input bytes so far.
    len: u64,
}

impl<W: Write> ParallelGzEncoder<W> {
    /// A new encoder at `level`; writes the gzip header at once.
    pub(crate) fn new(mut inner: W, level: Compression) -> io::Result<Self> {
        // magic, deflate, no flags, no time, no extra flags, unknown OS
        inner.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])?;
        Ok(Self {
            inner,
            level,
            current: Block::default(),
            spare: Vec::new(),
            window: Vec::with_capacity(WINDOW),
            crc: crc32fast::Hasher::new(),
            len: 0,
        })
    }

    /// Appends `items` to the stream, each encoded by `encode` into `size` bytes. Whole
    /// blocks are encoded and compressed on the worker threads while this thread writes.
    pub(crate) fn write_encoded<S: Sync>(
        &mut self,
        items: &[S],
        size: usize,
        encode: impl Fn(&[S], &mut [u8]) + Sync,
    ) -> io::Result<()> {
        if size == 0
            || !BLOCK.is_multiple_of(size)
            || !self.current.input.len().is_multiple_of(size)
        {
            // items would straddle blocks: encode them here, a few blocks at a time
            let step = (4 * BLOCK / size.max(1)).max(1);
            let mut bytes = vec![0u8; items.len().min(step) * size];
            for chunk in items.chunks(step) {
                let out = &mut bytes[..chunk.len() * size];
                encode(chunk, out);
                self.write_encoded(out, 1, copy)?;
            }
            return Ok(());
        }
        self.len += (items.len() * size) as u64;
        let per_block = BLOCK / size;
        // items that fill the current block; then whole blocks; then the new current block
        let take = (BLOCK - self.current.input.len()) / size;
        if items.len() < take {
            encode(items, self.current.input.grow(items.len() * size));
            return Ok(());
        }
        let blocks = 1 + (items.len() - take) / per_block;
        let rest = take + (blocks - 1) * per_block;
        // the second block's primer starts in the current block when `take` is short
        let short = WINDOW.saturating_sub(take * size);
        let current = self.current.input.as_slice();
        let second_primer = current[current.len() - short..].to_vec();
        let next = self.block();
        let first = std::mem::replace(&mut self.current, next);
        let mut first = Some(first);
        let mut prepare = |this: &mut Self, index: usize| -> Job<'_, S> {
            let Some(mut block) = first.take() else {
                let start = take + (index - 1) * per_block;
                let mut block = this.block();
                let primer_start = if start * size >= WINDOW {
                    start - WINDOW / size
                } else {
                    block.primer.extend_from_slice(&second_primer);
                    0
                };
                return Job {
                    block,
                    chunk: &items[start..start + per_block],
                    primer_items: &items[primer_start..start],
                };
            };
            block.primer.clear();
            block.primer.extend_from_slice(&this.window);
            Job {
                block,
                chunk: &items[..take],
                primer_items: &[],
            }
        };
        self.pipeline(blocks, &mut prepare, size, &encode)?;
        encode(
            &items[rest..],
            self.current.input.grow((items.len() - rest) * size),
        );
        Ok(())
    }

    /// A cleared block, reused if one is spare.
    fn block(&mut self) -> Block {
        let mut block = self.spare.pop().unwrap_or_default();
        block.input.clear();
        block.primer.clear();
        block
    }

    /// Writes a compressed block and keeps its buffers; `last` if it is the last full block
    /// so far, whose tail primes the current one.
    fn write_block(&mut self, block: Block, last: bool) -> io::Result<()> {
        if last {
            let input = block.input.as_slice();
            self.window.clear();
            self.window
                .extend_from_slice(&input[input.len().saturating_sub(WINDOW)..]);
        }
        self.crc.combine(&block.crc);
        let written = self.inner.write_all(&block.output);
        self.spare.push(block);
        written
    }

    /// Compresses `blocks` jobs made by `prepare` on the pool and writes them in order.
    fn pipeline<'a, S: Sync + 'a>(
        &mut self,
        blocks: usize,
        prepare: &mut impl FnMut(&mut Self, usize) -> Job<'a, S>,
        size: usize,
        encode: &(impl Fn(&[S], &mut [u8]) + Sync),
    ) -> io::Result<()> {
        let level = self.level;
        medvol_core::par::ordered(
            self,
            blocks,
            prepare,
            |job| job.run(size, level, encode),
            |this, index, (block, compressed)| {
                compressed?;
                this.write_block(block, index + 1 == blocks)
            },
        )
    }

    /// Compresses what is left and writes the gzip trailer; returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let mut last = std::mem::take(&mut self.current);
        last.primer.clear();
        last.primer.extend_from_slice(&self.window);
        last.deflate(self.level, FlushCompress::Finish)?;
        self.write_block(last, false)?;
        let crc = self.crc.finalize();
        self.inner.write_all(&crc.to_le_bytes())?;
        // ISIZE: the input length modulo 2^32
        self.inner.write_all(&(self.len as u32).to_le_bytes())?;
        Ok(self.inner)
    }
}

/// The identity encoding of bytes.
fn copy(src: &[u8], out: &mut [u8]) {
    out.copy_from_slice(src);
}

impl<W: Write> Write for ParallelGzEncoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_encoded(buf, 1, copy)?;
        Ok(buf.len())
    }

    /// Does nothing: blocks are compressed when full or at [`finish`](Self::finish), since
    /// every block boundary costs a few bytes.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Compressible bytes that are not trivially repetitive (a noisy ramp, like image rows).
    fn data(len: usize) -> Vec<u8> {
        let mut x = 0x2545_f491_u32;
        (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                ((i / 512) as u8).wrapping_add((x % 7) as u8)
            })
            .collect()
    }

    fn encode(input: &[u8], pieces: usize) -> Vec<u8> {
        let mut z = ParallelGzEncoder::new(Vec::new(), Compression::new(2)).unwrap();
        for chunk in input.chunks(input.len().div_ceil(pieces).max(1)) {
            z.write_all(chunk).unwrap();
        }
        z.finish().unwrap()
    }

    #[test]
    fn flate2_decodes_every_length_and_checks_crc_and_size() {
        for len in [0, 1, 1000, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK + 17] {
            let input = data(len);
            let gz = encode(&input, 3);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut back)
                .unwrap_or_else(|e| panic!("length {len}: {e}"));
            assert!(back == input, "length {len}: different bytes back");
        }
    }

    /// The scheme done plainly: cut the whole stream into blocks, deflate each with a fresh
    /// compressor primed with the 32 KiB before it, one after the other.
    fn reference(stream: &[u8]) -> Vec<u8> {
        let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        let blocks: Vec<&[u8]> = stream.chunks(BLOCK).collect();
        let n = blocks.len().max(1);
        for i in 0..n {
            let input = blocks.get(i).copied().unwrap_or_default();
            let mut z = Compress::new(Compression::new(2), false);
            let start = i * BLOCK;
            let primer = &stream[start.saturating_sub(WINDOW)..start];
            if !primer.is_empty() {
                z.set_dictionary(primer).unwrap();
            }
            let flush = match i + 1 == n {
                true => FlushCompress::Finish,
                false => FlushCompress::Sync,
            };
            let mut out = Vec::with_capacity(2 * input.len() + 1024);
            z.compress_vec(input, &mut out, flush).unwrap();
            assert_eq!(z.total_in() as usize, input.len());
            gz.extend_from_slice(&out);
        }
        gz.extend_from_slice(&crc32fast::hash(stream).to_le_bytes());
        gz.extend_from_slice(&(stream.len() as u32).to_le_bytes());
        gz
    }

    fn le(src: &[u32], out: &mut [u8]) {
        for (v, o) in src.iter().zip(out.chunks_exact_mut(4)) {
            o.copy_from_slice(&v.to_le_bytes());
        }
    }

    #[test]
    fn encoded_items_and_plain_writes_give_the_reference_bytes() {
        // 3 and 7 bytes of header put the items across block edges: the serial path;
        // 32772 leaves less than a window of items before the second block
        for (head, count) in [
            (0, 0),
            (3, BLOCK / 2),
            (7, 5),
            (352, 5),
            (352, BLOCK),
            (544, 3 * BLOCK / 4 + 9),
            (4, 2 * BLOCK),
            (BLOCK - 32772, 3 * BLOCK / 4),
        ] {
            let header = data(head);
            let items: Vec<u32> = (0..count as u32)
                .map(|i| i.wrapping_mul(2_654_435_761) >> 20)
                .collect();
            let mut bytes = vec![0u8; items.len() * 4];
            le(&items, &mut bytes);
            let stream = [&header[..], &bytes].concat();
            let want = reference(&stream);
            let mut plain = ParallelGzEncoder::new(Vec::new(), Compression::new(2)).unwrap();
            plain.write_all(&header).unwrap();
            for piece in bytes.chunks(BLOCK / 3 + 1) {
                plain.write_all(piece).unwrap();
            }
            assert!(
                plain.finish().unwrap() == want,
                "plain: header {head}, {count} items"
            );
            let mut encoded = ParallelGzEncoder::new(Vec::new(), Compression::new(2)).unwrap();
            encoded.write_all(&header).unwrap();
            let (first, second) = items.split_at(count / 3);
            encoded.write_encoded(first, 4, le).unwrap();
            encoded.write_encoded(second, 4, le).unwrap();
            assert!(
                encoded.finish().unwrap() == want,
                "encoded: header {head}, {count} items"
            );
        }
    }

    /// Takes `room` bytes, then fails.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_writer_stops_the_pipeline_with_its_error() {
        let items: Vec<u32> = (0..3 * BLOCK as u32).collect();
        let write = || {
            let mut z = ParallelGzEncoder::new(Full { room: 100 }, Compression::new(2))?;
            z.write_encoded(&items, 4, le)?;
            z.finish().map(drop)
        };
        for threads in [1, 2] {
            let e = medvol_core::par::with_threads(threads, write).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{threads} threads");
        }
        assert_eq!(write().unwrap_err().kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn a_corrupt_stream_is_refused() {
        let mut gz = encode(&data(3 * BLOCK), 1);
        let n = gz.len();
        gz[n - 6] ^= 1; // the CRC
        let mut back = Vec::new();
        assert!(
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut back)
                .is_err()
        );
    }

    #[test]
    fn ratio_matches_one_stream_and_output_is_independent_of_threads() {
        let input = data(6 * BLOCK + 123);
        let gz = encode(&input, 7);
        let mut one = flate2::write::GzEncoder::new(Vec::new(), Compression::new(2));
        one.write_all(&input).unwrap();
        let one = one.finish().unwrap();
        let ratio = gz.len() as f64 / one.len() as f64;
        assert!(
            (0.99..1.01).contains(&ratio),
            "{} vs {} bytes",
            gz.len(),
            one.len()
        );
        for threads in [1, 3] {
            assert!(
                medvol_core::par::with_threads(threads, || encode(&input, 2)) == gz,
                "{threads} threads"
            );
        }
    }
}
