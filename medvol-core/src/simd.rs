//! Run-time detection of the instruction sets medvol's kernels use.
//!
//! Kernels in `medvol-filter` and `medvol-mesh` dispatch on an [`Isa`]. Values come only from
//! detection, so forcing a path in tests ([`Isa::available`]) is safe: a kernel is never asked
//! to run on a CPU that lacks its instructions.

use std::sync::OnceLock;

/// An instruction set a kernel can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Isa {
    /// Portable code, the reference every other path is tested against.
    Scalar,
    /// x86-64 AVX2 with FMA.
    Avx2,
    /// AArch64 NEON.
    Neon,
}

impl Isa {
    /// Every instruction set this CPU supports, `Scalar` first and the best last.
    pub fn available() -> &'static [Isa] {
        static AVAILABLE: OnceLock<Vec<Isa>> = OnceLock::new();
        AVAILABLE.get_or_init(detect)
    }
    /// The best instruction set this CPU supports.
    pub fn best() -> Isa {
        *Self::available().last().unwrap_or(&Isa::Scalar)
    }
    /// Lower-case name (`"scalar"`, `"avx2"`, `"neon"`).
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Neon => "neon",
        }
    }
}

fn detect() -> Vec<Isa> {
    #[allow(unused_mut)]
    let mut v = vec![Isa::Scalar];
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        v.push(Isa::Avx2);
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("neon") {
        v.push(Isa::Neon);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_is_always_available() {
        assert_eq!(Isa::available()[0], Isa::Scalar);
        assert!(Isa::available().contains(&Isa::best()));
    }
}
