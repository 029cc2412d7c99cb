//! The ten scalar types NIfTI stores, as bytes in either order, and RGB24.

use super::header::{ByteOrder, Datatype};
use medvol_core::{Rgb8, Voxel};

/// A stored sample type: decodes from and encodes to bytes.
pub(crate) trait Sample: Copy {
    /// Bytes per sample.
    const SIZE: usize;
    /// The NIfTI datatype of this type.
    const DATATYPE: Datatype;
    /// The value as `f64` (rounded for 64-bit integers beyond 2^53).
    fn as_f64(self) -> f64;
    /// Appends `f` of every sample in `bytes` (a whole number of samples) to `out`.
    fn decode<T>(bytes: &[u8], order: ByteOrder, out: &mut Vec<T>, f: impl Fn(Self) -> T);
    /// Writes the samples little-endian into `out` (`out.len() == src.len() * SIZE`).
    fn encode_le(src: &[Self], out: &mut [u8]);
}

macro_rules! impl_sample {
    ($($t:ty => $dt:ident),*) => {$(
        impl Sample for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const DATATYPE: Datatype = Datatype::$dt;
            #[inline(always)]
            fn as_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn decode<T>(bytes: &[u8], order: ByteOrder, out: &mut Vec<T>, f: impl Fn(Self) -> T) {
                let chunks = bytes.chunks_exact(Self::SIZE);
                let read = |c: &[u8]| {
                    let mut a = [0u8; std::mem::size_of::<$t>()];
                    a.copy_from_slice(c);
                    a
                };
                // One loop per byte order, so each is a plain (vectorisable) pass.
                match order {
                    ByteOrder::Little => out.extend(chunks.map(|c| f(<$t>::from_le_bytes(read(c))))),
                    ByteOrder::Big => out.extend(chunks.map(|c| f(<$t>::from_be_bytes(read(c))))),
                }
            }
            #[inline]
            fn encode_le(src: &[Self], out: &mut [u8]) {
                for (o, v) in out.chunks_exact_mut(Self::SIZE).zip(src) {
                    o.copy_from_slice(&v.to_le_bytes());
                }
            }
        }
    )*};
}

impl_sample!(u8 => U8, i8 => I8, u16 => U16, i16 => I16, u32 => U32, i32 => I32,
             u64 => U64, i64 => I64, f32 => F32, f64 => F64);

/// RGB24: three bytes per voxel, red first; byte order does not apply.
impl Sample for Rgb8 {
    const SIZE: usize = 3;
    const DATATYPE: Datatype = Datatype::Rgb24;
    fn as_f64(self) -> f64 {
        self.to_f64()
    }
    fn decode<T>(bytes: &[u8], _: ByteOrder, out: &mut Vec<T>, f: impl Fn(Self) -> T) {
        out.extend(bytes.chunks_exact(3).map(|c| f(Rgb8([c[0], c[1], c[2]]))));
    }
    fn encode_le(src: &[Self], out: &mut [u8]) {
        for (o, v) in out.chunks_exact_mut(3).zip(src) {
            o.copy_from_slice(&v.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_both_orders_and_encode_le() {
        let le = [0x34u8, 0x12, 0xff, 0xff];
        let be = [0x12u8, 0x34, 0xff, 0xff];
        let mut a: Vec<i16> = Vec::new();
        i16::decode(&le, ByteOrder::Little, &mut a, |v| v);
        i16::decode(&be, ByteOrder::Big, &mut a, |v| v);
        assert_eq!(a, [0x1234, -1, 0x1234, -1]);
        let mut out = [0u8; 4];
        i16::encode_le(&a[..2], &mut out);
        assert_eq!(out, le);
        let mut f: Vec<f64> = Vec::new();
        f32::decode(&1.5f32.to_be_bytes(), ByteOrder::Big, &mut f, |v| {
            v.as_f64() * 2.0
        });
        assert_eq!(f, [3.0]);
        assert_eq!(u64::DATATYPE.code(), 1280);
    }
}
