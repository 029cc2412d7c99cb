//! A gzip writer that compresses blocks of the stream on several threads (the pigz idea).
//!
//! The input is cut into blocks of [`BLOCK`] bytes. Each block is raw-deflated on its own,
//! primed with the last 32 KiB of the block before it (so matches across the cut are still
//! found and the ratio is that of one stream), and ended with a sync flush so that the
//! deflate streams concatenate into one valid stream; only the last block is final. The CRC-32
//! of each block is computed beside it and combined. Blocks are compressed a batch at a time
//! (two per thread) and written in order, so memory stays at a few blocks whatever the size
//! of the file, and the output is the same for any number of threads.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::io::{self, Write};

/// Input bytes per block.
pub(crate) const BLOCK: usize = 1 << 20;
/// The deflate window: how much of the previous block primes the next one.
const WINDOW: usize = 32 * 1024;

/// One block: its input, then its compressed bytes and CRC.
struct Block {
    input: Vec<u8>,
    output: Vec<u8>,
    crc: crc32fast::Hasher,
}

/// A gzip (RFC 1952) encoder writing one member to `inner`, deflating blocks in parallel
/// with the `rayon` feature. Call [`finish`](Self::finish) to write the trailer.
pub(crate) struct ParallelGzEncoder<W: Write> {
    inner: W,
    level: Compression,
    /// The block being filled.
    current: Block,
    /// Full blocks waiting for compression.
    full: Vec<Block>,
    /// Written blocks whose buffers are reused.
    spare: Vec<Block>,
    /// The tail of the last compressed block, priming the next one.
    window: Vec<u8>,
    crc: crc32fast::Hasher,
    /// Input bytes so far.
    len: u64,
    batch: usize,
}

impl<W: Write> ParallelGzEncoder<W> {
    /// A new encoder at `level`; writes the gzip header at once.
    pub(crate) fn new(mut inner: W, level: Compression) -> io::Result<Self> {
        // magic, deflate, no flags, no time, no extra flags, unknown OS
        inner.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])?;
        #[cfg(feature = "rayon")]
        let batch = 2 * rayon::current_num_threads();
        #[cfg(not(feature = "rayon"))]
        let batch = 1;
        Ok(Self {
            inner,
            level,
            current: new_block(),
            full: Vec::with_capacity(batch),
            spare: Vec::new(),
            window: Vec::with_capacity(WINDOW),
            crc: crc32fast::Hasher::new(),
            len: 0,
            batch,
        })
    }

    /// Compresses the full blocks (the last of them final if `last`), writes them in order.
    fn compress_full(&mut self, last: bool) -> io::Result<()> {
        let n = self.full.len();
        let primers: Vec<Vec<u8>> = (0..n)
            .map(|i| match i {
                0 => self.window.clone(),
                _ => tail(&self.full[i - 1].input).to_vec(),
            })
            .collect();
        let level = self.level;
        let work = |(i, (block, primer)): (usize, (&mut Block, &Vec<u8>))| {
            let flush = if last && i + 1 == n {
                FlushCompress::Finish
            } else {
                FlushCompress::Sync
            };
            deflate_block(block, primer, level, flush)
        };
        #[cfg(feature = "rayon")]
        {
            use rayon::prelude::*;
            self.full
                .par_iter_mut()
                .zip(primers.par_iter())
                .enumerate()
                .try_for_each(work)?;
        }
        #[cfg(not(feature = "rayon"))]
        self.full
            .iter_mut()
            .zip(primers.iter())
            .enumerate()
            .try_for_each(work)?;
        if let Some(block) = self.full.last() {
            self.window.clear();
            self.window.extend_from_slice(tail(&block.input));
        }
        for mut block in self.full.drain(..) {
            self.inner.write_all(&block.output)?;
            self.crc.combine(&block.crc);
            block.input.clear();
            block.output.clear();
            block.crc = crc32fast::Hasher::new();
            self.spare.push(block);
        }
        Ok(())
    }

    /// Appends `items` to the stream, each encoded by `encode` into `size` bytes (`size` must
    /// divide [`BLOCK`]). Whole blocks are encoded on the worker threads, beside their
    /// compression, instead of on the caller's thread as [`Write::write`] does.
    pub(crate) fn write_encoded<S: Sync>(
        &mut self,
        mut items: &[S],
        size: usize,
        encode: impl Fn(&[S], &mut [u8]) + Sync,
    ) -> io::Result<()> {
        if size == 0 || BLOCK % size != 0 || self.current.input.len() % size != 0 {
            // items would straddle blocks: the serial path handles any alignment
            let mut bytes = vec![0u8; items.len().min(BLOCK / size.max(1)) * size];
            for chunk in items.chunks(BLOCK / size.max(1)) {
                let out = &mut bytes[..chunk.len() * size];
                encode(chunk, out);
                self.write_all(out)?;
            }
            return Ok(());
        }
        let per_block = BLOCK / size;
        self.len += (items.len() * size) as u64;
        // top up the block being filled
        let take = ((BLOCK - self.current.input.len()) / size).min(items.len());
        push_encoded(&mut self.current.input, &items[..take], size, &encode);
        items = &items[take..];
        if self.current.input.len() == BLOCK {
            self.rotate()?;
        }
        while !items.is_empty() {
            let n = (self.batch - self.full.len()).min(items.len().div_ceil(per_block));
            let mut blocks: Vec<Block> = (0..n)
                .map(|_| self.spare.pop().unwrap_or_else(new_block))
                .collect();
            let fill = |(block, chunk): (&mut Block, &[S])| {
                push_encoded(&mut block.input, chunk, size, &encode)
            };
            #[cfg(feature = "rayon")]
            {
                use rayon::prelude::*;
                blocks
                    .par_iter_mut()
                    .zip(items.par_chunks(per_block))
                    .for_each(fill);
            }
            #[cfg(not(feature = "rayon"))]
            blocks
                .iter_mut()
                .zip(items.chunks(per_block))
                .for_each(fill);
            items = &items[(n * per_block).min(items.len())..];
            for block in blocks {
                if block.input.len() == BLOCK {
                    self.full.push(block);
                } else {
                    // the last, partial block: it is the one being filled now
                    let empty = std::mem::replace(&mut self.current, block);
                    self.spare.push(empty);
                }
            }
            if self.full.len() == self.batch {
                self.compress_full(false)?;
            }
        }
        Ok(())
    }

    /// Queues the full block being filled and starts a new one; compresses a full batch.
    fn rotate(&mut self) -> io::Result<()> {
        let next = self.spare.pop().unwrap_or_else(new_block);
        self.full.push(std::mem::replace(&mut self.current, next));
        if self.full.len() == self.batch {
            self.compress_full(false)?;
        }
        Ok(())
    }

    /// Compresses what is left and writes the gzip trailer; returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let current = std::mem::replace(&mut self.current, new_block());
        self.full.push(current);
        self.compress_full(true)?;
        let crc = self.crc.finalize();
        self.inner.write_all(&crc.to_le_bytes())?;
        // ISIZE: the input length modulo 2^32
        self.inner.write_all(&(self.len as u32).to_le_bytes())?;
        Ok(self.inner)
    }
}

/// Appends `items` encoded by `encode` (`size` bytes each) to `buf`.
fn push_encoded<S>(buf: &mut Vec<u8>, items: &[S], size: usize, encode: impl Fn(&[S], &mut [u8])) {
    let start = buf.len();
    buf.resize(start + items.len() * size, 0);
    encode(items, &mut buf[start..]);
}

/// The last [`WINDOW`] bytes of `input`.
fn tail(input: &[u8]) -> &[u8] {
    &input[input.len().saturating_sub(WINDOW)..]
}

fn new_block() -> Block {
    Block {
        input: Vec::with_capacity(BLOCK),
        output: Vec::new(),
        crc: crc32fast::Hasher::new(),
    }
}

/// Raw-deflates `block.input` primed with `primer` into `block.output`, ending with `flush`.
fn deflate_block(
    block: &mut Block,
    primer: &[u8],
    level: Compression,
    flush: FlushCompress,
) -> io::Result<()> {
    block.crc.update(&block.input);
    let mut z = Compress::new(level, false);
    if !primer.is_empty() {
        z.set_dictionary(primer).map_err(io::Error::other)?;
    }
    // deflate's worst case is a stored block: 5 bytes of header per 16 KiB, plus the flush
    block
        .output
        .reserve(block.input.len() + block.input.len() / 1024 + 64);
    loop {
        let consumed = z.total_in() as usize;
        let status = z
            .compress_vec(&block.input[consumed..], &mut block.output, flush)
            .map_err(io::Error::other)?;
        let all_in = z.total_in() as usize == block.input.len();
        let room_left = block.output.len() < block.output.capacity();
        match (status, flush) {
            (Status::StreamEnd, _) => return Ok(()),
            (_, FlushCompress::Sync) if all_in && room_left => return Ok(()),
            _ => block.output.reserve(64 * 1024),
        }
    }
}

impl<W: Write> Write for ParallelGzEncoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(BLOCK - self.current.input.len());
        self.current.input.extend_from_slice(&buf[..n]);
        self.len += n as u64;
        if self.current.input.len() == BLOCK {
            self.rotate()?;
        }
        Ok(n)
    }

    /// Does nothing: blocks are compressed when a batch is full or at
    /// [`finish`](Self::finish), since every block boundary costs a few bytes.
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

    #[test]
    fn encoded_items_give_the_bytes_of_plain_writes() {
        let le = |src: &[u32], out: &mut [u8]| {
            for (v, o) in src.iter().zip(out.chunks_exact_mut(4)) {
                o.copy_from_slice(&v.to_le_bytes());
            }
        };
        // 3 and 7 bytes of header put the items across block edges: the serial path
        for (head, count) in [
            (0, 0),
            (3, BLOCK / 2),
            (7, 5),
            (352, 5),
            (352, BLOCK),
            (544, 3 * BLOCK / 4 + 9),
            (4, 2 * BLOCK),
        ] {
            let header = data(head);
            let items: Vec<u32> = (0..count as u32)
                .map(|i| i.wrapping_mul(2_654_435_761) >> 20)
                .collect();
            let mut plain = ParallelGzEncoder::new(Vec::new(), Compression::new(2)).unwrap();
            plain.write_all(&header).unwrap();
            let mut bytes = vec![0u8; items.len() * 4];
            le(&items, &mut bytes);
            plain.write_all(&bytes).unwrap();
            let mut encoded = ParallelGzEncoder::new(Vec::new(), Compression::new(2)).unwrap();
            encoded.write_all(&header).unwrap();
            encoded.write_encoded(&items, 4, le).unwrap();
            assert!(
                plain.finish().unwrap() == encoded.finish().unwrap(),
                "header {head}, {count} items"
            );
        }
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
        #[cfg(feature = "rayon")]
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert!(
                pool.install(|| encode(&input, 2)) == gz,
                "{threads} threads"
            );
        }
    }
}
