//! Run-time detection of the instruction sets medvol's kernels use, and the one way to dispatch.
//!
//! Kernels in `medvol-filter` and `medvol-mesh` dispatch on an [`Isa`] that their options carry
//! (`Isa::best()` by default, any of [`Isa::available`] when forced, `Isa::Scalar` in every
//! reference test). The pattern, the same in every crate (fast_image_resize's shape):
//!
//! - `kernel/scalar.rs` (or `<room>/scalar.rs`) holds the reference: the plainest loop, safe.
//! - `<isa>.rs` holds the kernels for one instruction set; each takes that set's token
//!   ([`Avx2`]) as its first argument, so it cannot be called without detection, and any
//!   `unsafe` (intrinsics, `#[target_feature]` calls) lives there behind a `// SAFETY:` line.
//! - The dispatcher is a safe function that takes the `Isa` and picks the kernel:
//!   `match isa.avx2() { Some(t) => avx2::kernel(t, ..), None => scalar::kernel(..) }`. A kernel
//!   that is only the reference compiled with wider registers needs no file of its own:
//!   `t.run(|| scalar::kernel(..))`.
//! - A test runs every kernel on [`Isa::available`] and compares each with `Isa::Scalar` on the
//!   same input, bit for bit.
//!
//! Tokens come only from detection, so forcing a path is safe: a kernel is never asked to run on
//! a CPU that lacks its instructions, and forcing `Isa::Scalar` runs scalar code everywhere.
//!
//! ```
//! use medvol_core::Isa;
//!
//! /// The reference kernel.
//! fn double_scalar(v: &mut [f32]) {
//!     v.iter_mut().for_each(|x| *x *= 2.0);
//! }
//! /// The dispatcher: the same loop, compiled for AVX2 where the CPU has it.
//! fn double(isa: Isa, v: &mut [f32]) {
//!     match isa.avx2() {
//!         Some(avx2) => avx2.run(|| double_scalar(v)),
//!         None => double_scalar(v),
//!     }
//! }
//! let mut reference = vec![1.5f32; 100];
//! double(Isa::Scalar, &mut reference);
//! for &isa in Isa::available() {
//!     let mut v = vec![1.5f32; 100];
//!     double(isa, &mut v);
//!     assert_eq!(v, reference, "{isa:?}");
//! }
//! assert!(Isa::Scalar.avx2().is_none());
//! ```

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
    /// The AVX2 token when `self` is [`Isa::Avx2`] and this CPU has it; `None` otherwise (always
    /// for `Isa::Scalar`, so forcing scalar turns every AVX2 kernel off).
    pub fn avx2(self) -> Option<Avx2> {
        (self == Isa::Avx2 && Isa::available().contains(&Isa::Avx2)).then_some(Avx2(()))
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

/// Proof that this CPU has AVX2 with FMA, BMI1, BMI2, LZCNT and POPCNT (every AVX2 CPU does):
/// made only by [`Isa::avx2`] after run-time detection. AVX2 kernels take it as their first
/// argument.
#[derive(Debug, Clone, Copy)]
pub struct Avx2(());

impl Avx2 {
    /// Runs `f` inside a function compiled for AVX2 and FMA, where `f` (a closure calling the
    /// reference kernel) is inlined and vectorised with 256-bit registers. Rust never contracts
    /// `a * b + c` into a fused multiply-add, so the result is the same bits as the scalar run.
    #[inline(always)]
    pub fn run<R>(self, f: impl FnOnce() -> R) -> R {
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
            #[inline]
            fn compiled_for_avx2<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            #[allow(unsafe_code)]
            // SAFETY: an `Avx2` exists only when detection found every one of these features.
            unsafe {
                compiled_for_avx2(f)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        f()
    }
}

fn detect() -> Vec<Isa> {
    #[allow(unused_mut)]
    let mut v = vec![Isa::Scalar];
    #[cfg(target_arch = "x86_64")]
    if [
        std::arch::is_x86_feature_detected!("avx2"),
        std::arch::is_x86_feature_detected!("fma"),
        std::arch::is_x86_feature_detected!("bmi1"),
        std::arch::is_x86_feature_detected!("bmi2"),
        std::arch::is_x86_feature_detected!("lzcnt"),
        std::arch::is_x86_feature_detected!("popcnt"),
    ]
    .iter()
    .all(|&f| f)
    {
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
