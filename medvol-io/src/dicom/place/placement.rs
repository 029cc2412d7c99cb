//! How exactly a read volume's grid places its voxels: [`Placement`], measured against the
//! positions the files give, and the warning that says what it means.

use crate::dicom::read::series::SeriesInfo;
use medvol_core::{Affine, ContinuousIndex, Warning};

/// Farthest a voxel centre may lie from where the files put it for a grid to count as exact
/// (mm).
pub const PLACEMENT_TOLERANCE_MM: f64 = 1e-3;

/// Whether the grid of a [`DicomVolume`](crate::dicom::DicomVolume) puts every voxel where it was
/// acquired, so that a writer knows what it may claim (NIfTI: qform/sform codes).
///
/// | variant | the volume's [`Geometry`](medvol_core::Geometry) | [`DicomVolume::affine`](crate::dicom::DicomVolume::affine) | NIfTI |
/// |---|---|---|---|
/// | `Exact` | every voxel at its place | the same matrix | qform and sform |
/// | `Sheared` | orthonormal approximation | sheared, every voxel at its place | sform (the affine), qform code 0 |
/// | `Approximate` | approximation | approximation | no code may claim scanner space |
/// | `Invented` | made up (origin 0, identity) | made up | qform/sform code 0 |
///
/// ```
/// use medvol_io::dicom::Placement;
/// assert!(Placement::Exact.geometry_is_exact());
/// let sheared = Placement::Sheared { geometry_error_mm: 12.0 };
/// assert!(sheared.affine_is_exact() && !sheared.geometry_is_exact());
/// assert!(!Placement::Invented.affine_is_exact());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Placement {
    /// The geometry (and the affine, the same matrix) puts every voxel centre within
    /// [`PLACEMENT_TOLERANCE_MM`] of its acquired place, or the voxels were resampled onto
    /// this grid from their acquired places.
    Exact,
    /// A gantry-tilted stack kept as stored ([`Tilt::Raw`](crate::dicom::Tilt::Raw)): only the
    /// sheared [`DicomVolume::affine`](crate::dicom::DicomVolume::affine) places every voxel; the
    /// orthonormal geometry puts some up to `geometry_error_mm` away.
    Sheared {
        /// Largest distance between a voxel's place under the geometry and its true place (mm).
        geometry_error_mm: f64,
    },
    /// Slices kept as stored at uneven spacing ([`Uniform::Warn`](crate::dicom::Uniform::Warn)): no
    /// matrix places them all; the affine puts some up to `max_error_mm` away.
    Approximate {
        /// Largest distance between a voxel's place under the affine and its true place (mm).
        max_error_mm: f64,
    },
    /// The files give no usable ImagePositionPatient/ImageOrientationPatient: spacing,
    /// origin and direction were assumed, not scanner coordinates.
    Invented,
}

impl Placement {
    /// Whether the volume's own orthonormal geometry places every voxel.
    pub fn geometry_is_exact(&self) -> bool {
        matches!(self, Placement::Exact)
    }

    /// Whether [`DicomVolume::affine`](crate::dicom::DicomVolume::affine) places every voxel.
    pub fn affine_is_exact(&self) -> bool {
        matches!(self, Placement::Exact | Placement::Sheared { .. })
    }

    /// How the voxels of `info`, decoded as stored, are placed by the scan's orthonormal
    /// `geometry` and by `affine` (both index to LPS mm): each slice's corner voxels are
    /// compared with the slice's own ImagePositionPatient.
    pub(crate) fn of_stored(info: &SeriesInfo, affine: &Affine, geometry: &Affine) -> Placement {
        if !info.has_geometry {
            return Placement::Invented;
        }
        let by_geometry = largest_error(info, geometry);
        let by_affine = largest_error(info, affine);
        if by_geometry <= PLACEMENT_TOLERANCE_MM {
            Placement::Exact
        } else if by_affine <= PLACEMENT_TOLERANCE_MM {
            Placement::Sheared {
                geometry_error_mm: by_geometry,
            }
        } else {
            Placement::Approximate {
                max_error_mm: by_affine,
            }
        }
    }

    /// What a user must know about this placement, naming the option that changes it;
    /// `None` when every voxel is at its place.
    /// The NIfTI `[qform_code, sform_code]` a file written from a volume so placed may claim:
    /// `[1, 1]` (scanner coordinates) when exact; `[0, 1]` when only the sheared affine is
    /// exact (a qform cannot hold a shear, so the sform carries it); `[0, 0]` (unknown) when no
    /// affine places every voxel or the geometry is invented.
    ///
    /// # Examples
    /// ```
    /// use medvol_io::dicom::Placement;
    /// assert_eq!(Placement::Exact.xform_codes(), [1, 1]);
    /// assert_eq!(Placement::Sheared { geometry_error_mm: 3.0 }.xform_codes(), [0, 1]);
    /// assert_eq!(Placement::Invented.xform_codes(), [0, 0]);
    /// ```
    pub fn xform_codes(&self) -> [i16; 2] {
        match self {
            Placement::Exact => [1, 1],
            Placement::Sheared { .. } => [0, 1],
            Placement::Approximate { .. } | Placement::Invented => [0, 0],
        }
    }

    pub(crate) fn warning(&self) -> Option<Warning> {
        match *self {
            Placement::Exact => None,
            Placement::Sheared { geometry_error_mm } => {
                Some(Warning::ShearedPlacement { geometry_error_mm })
            }
            Placement::Approximate { max_error_mm } => {
                Some(Warning::ApproximatePlacement { max_error_mm })
            }
            Placement::Invented => Some(Warning::InventedGeometry),
        }
    }
}

/// Largest distance (mm) between where `m` puts the four in-plane corner voxels of each slice
/// and where the slice's position and the acquired in-plane axes put them.
fn largest_error(info: &SeriesInfo, m: &Affine) -> f64 {
    let acquired = &info.affine_acquired;
    let at = |a: &Affine, ijk: [f64; 3]| a.apply_index(ContinuousIndex(ijk));
    let last = [0, 1].map(|a| info.dims[a].saturating_sub(1) as f64);
    let mut worst = 0.0f64;
    for (k, slice) in info.slices.iter().enumerate() {
        let Some(p) = slice.position else {
            return f64::INFINITY;
        };
        for (i, j) in [
            (0.0, 0.0),
            (last[0], 0.0),
            (0.0, last[1]),
            (last[0], last[1]),
        ] {
            let truth = p + acquired.column(0) * i + acquired.column(1) * j;
            worst = worst.max((at(m, [i, j, k as f64]) - truth).norm());
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_exact_affine_gets_a_code() {
        for p in [
            Placement::Exact,
            Placement::Sheared {
                geometry_error_mm: 2.0,
            },
            Placement::Approximate { max_error_mm: 0.5 },
            Placement::Invented,
        ] {
            let [q, s] = p.xform_codes();
            assert_eq!(q == 1, p.geometry_is_exact(), "{p:?}");
            assert_eq!(s == 1, p.affine_is_exact(), "{p:?}");
            assert_eq!(p.warning().is_none(), p == Placement::Exact);
        }
    }
}
