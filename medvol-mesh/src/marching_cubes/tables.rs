//! The marching-cubes case table, derived in code from one rule per cell face.
//!
//! Numbering: corner `c` of a cell sits at `(c & 1, c >> 1 & 1, c >> 2 & 1)` voxels from the
//! cell's first corner (i, j, k), and bit `c` of a case index is set when that corner is inside
//! (value at or above the level). Edges 0..4 run along i, 4..8 along j, 8..12 along k.
//!
//! Derivation, per case:
//! 1. On each of the six faces the cut edges are joined by segments. A face with two cut edges
//!    gets one segment. An ambiguous face (inside corners on one diagonal, outside corners on the
//!    other: four cut edges) gets two segments, each cutting off one *inside* corner: inside
//!    corners that touch only diagonally are kept apart (outside corners are joined). The rule
//!    reads only the face's four corners, so both cells sharing a face draw the same segments:
//!    that is what makes the surface watertight. It is the rule VTK's marching-cubes table
//!    follows, so the topology matches VTK's (inside is 6-connected, outside 18-connected).
//! 2. Each segment is directed so that, seen from outside the cell, the inside corners lie on
//!    its right; the segments then chain into closed loops around the cell.
//! 3. Each loop is filled with a disk: the triangulation with the shortest diagonals, measured
//!    with the cut points at edge midpoints, none joining two edges of one face (the neighbour
//!    could draw the same one). Triangles follow the loop's direction, so by the right-hand rule
//!    their normals point from inside to outside.

use medvol_core::{Point, Vector};
use std::sync::OnceLock;

/// Most triangles one cell can hold (one loop through all 12 edges makes 10).
pub(crate) const MAX_TRIANGLES: usize = 12;

/// The case table: per case index, its triangles as triples of cell edges.
pub(crate) struct CaseTable {
    /// Triangles of each case, as cell edge numbers, oriented inside to outside.
    pub(crate) triangles: [[[u8; 3]; MAX_TRIANGLES]; 256],
    /// Number of triangles of each case.
    pub(crate) counts: [u8; 256],
    /// Bit `e` set when edge `e` is cut in this case.
    pub(crate) cut_edges: [u16; 256],
}

/// The table, built on first use.
pub(crate) fn case_table() -> &'static CaseTable {
    static TABLE: OnceLock<CaseTable> = OnceLock::new();
    TABLE.get_or_init(build)
}

/// The two corners of cell edge `e`, lower corner first.
pub(crate) const fn edge_corners(e: usize) -> [usize; 2] {
    let f = e % 4;
    let lo = match e / 4 {
        0 => ((f & 1) << 1) | ((f >> 1) << 2),
        1 => (f & 1) | ((f >> 1) << 2),
        _ => (f & 1) | ((f >> 1) << 1),
    };
    [lo, lo | (1 << (e / 4))]
}

/// The edge joining two corners that differ in one coordinate.
fn edge_between(c0: usize, c1: usize) -> usize {
    let axis = (c0 ^ c1).trailing_zeros() as usize;
    let lo = c0.min(c1);
    // The two coordinates other than `axis`, in increasing axis order.
    let others: Vec<usize> = (0..3).filter(|&a| a != axis).collect();
    4 * axis + ((lo >> others[0]) & 1) + (((lo >> others[1]) & 1) << 1)
}

/// Position of corner `c` in the cell, in cell units from its first corner.
fn corner_position(c: usize) -> Point {
    Point::new((c & 1) as f64, ((c >> 1) & 1) as f64, ((c >> 2) & 1) as f64)
}

/// Midpoint of edge `e`, in cell units.
pub(crate) fn edge_midpoint(e: usize) -> Point {
    let [a, b] = edge_corners(e).map(corner_position);
    Point([0, 1, 2].map(|x| (a.0[x] + b.0[x]) / 2.0))
}

/// The six faces as (axis, side), and their corners in cyclic order.
pub(crate) fn face_corners(axis: usize, side: usize) -> [usize; 4] {
    let others: Vec<usize> = (0..3).filter(|&a| a != axis).collect();
    let base = side << axis;
    let (u, v) = (1 << others[0], 1 << others[1]);
    [base, base | u, base | u | v, base | v]
}

/// Directed segments `(from edge, to edge)` the face rule draws on face (axis, side) for `case`.
pub(crate) fn face_segments(case: usize, axis: usize, side: usize) -> Vec<(usize, usize)> {
    let q = face_corners(axis, side);
    let inside = |c: usize| (case >> c) & 1 == 1;
    let cuts: Vec<usize> = (0..4)
        .filter(|&k| inside(q[k]) != inside(q[(k + 1) % 4]))
        .collect();
    // (edge, edge, an inside corner on the segment's inside side)
    let undirected: Vec<(usize, usize, usize)> = match cuts.len() {
        0 => Vec::new(),
        2 => {
            let e0 = edge_between(q[cuts[0]], q[(cuts[0] + 1) % 4]);
            let e1 = edge_between(q[cuts[1]], q[(cuts[1] + 1) % 4]);
            let h = q
                .into_iter()
                .find(|&c| inside(c))
                .expect("a cut face has an inside corner");
            vec![(e0, e1, h)]
        }
        _ => (0..4)
            .filter(|&k| inside(q[k]))
            .map(|k| {
                let prev = q[(k + 3) % 4];
                let next = q[(k + 1) % 4];
                (edge_between(prev, q[k]), edge_between(q[k], next), q[k])
            })
            .collect(),
    };
    let mut normal = Vector::default();
    normal.0[axis] = if side == 1 { 1.0 } else { -1.0 };
    undirected
        .into_iter()
        .map(|(a, b, h)| {
            let (p, q) = (edge_midpoint(a), edge_midpoint(b));
            let turn = (q - p).cross(corner_position(h) - p).dot(normal);
            if turn < 0.0 { (a, b) } else { (b, a) }
        })
        .collect()
}

/// The closed loops of cut edges around a cell, each in its direction.
fn loops(case: usize) -> Vec<Vec<usize>> {
    let mut next = [usize::MAX; 12];
    for axis in 0..3 {
        for side in 0..2 {
            for (a, b) in face_segments(case, axis, side) {
                debug_assert_eq!(next[a], usize::MAX, "edge {a} starts two segments");
                next[a] = b;
            }
        }
    }
    let mut seen = [false; 12];
    let mut out = Vec::new();
    for start in 0..12 {
        if next[start] == usize::MAX || seen[start] {
            continue;
        }
        let mut lp = Vec::new();
        let mut e = start;
        while !seen[e] {
            seen[e] = true;
            lp.push(e);
            e = next[e];
        }
        debug_assert_eq!(e, start, "segments of case {case} do not close");
        out.push(lp);
    }
    out
}

fn distance(a: usize, b: usize) -> f64 {
    edge_midpoint(a).distance(edge_midpoint(b))
}

#[cfg(test)]
fn triangle_area(a: usize, b: usize, c: usize) -> f64 {
    let (pa, pb, pc) = (edge_midpoint(a), edge_midpoint(b), edge_midpoint(c));
    (pb - pa).cross(pc - pa).norm() / 2.0
}

/// The faces (axis, side) an edge lies on.
fn edge_faces(e: usize) -> [(usize, usize); 2] {
    let [c, _] = edge_corners(e);
    let axis = e / 4;
    let others: Vec<usize> = (0..3).filter(|&a| a != axis).collect();
    [0, 1].map(|x| (others[x], (c >> others[x]) & 1))
}

/// `true` when two edges lie on a common face of the cell.
fn share_face(a: usize, b: usize) -> bool {
    edge_faces(a).iter().any(|f| edge_faces(b).contains(f))
}

/// The triangulation of a closed loop with the shortest diagonals (measured between edge
/// midpoints), triangles in the loop's direction. Short diagonals make well-shaped triangles.
///
/// A diagonal may not join two edges of a common face: the neighbour across that face could
/// draw the same diagonal, and the edge would then have four triangles. Every other diagonal
/// belongs to this cell alone.
#[allow(clippy::needless_range_loop)] // a dynamic programme over index pairs
fn triangulate(lp: &[usize]) -> Vec<[usize; 3]> {
    let n = lp.len();
    let chord_ok =
        |i: usize, j: usize| j == i + 1 || (i == 0 && j == n - 1) || !share_face(lp[i], lp[j]);
    // cost[i][j]: least diagonal length inside the polygon lp[i..=j]; split[i][j]: its apex.
    let mut cost = vec![vec![0.0f64; n]; n];
    let mut split = vec![vec![0usize; n]; n];
    for len in 2..n {
        for i in 0..n - len {
            let j = i + len;
            let mut best = f64::INFINITY;
            for k in i + 1..j {
                if !(chord_ok(i, k) && chord_ok(k, j) && chord_ok(i, j)) {
                    continue;
                }
                // Diagonals added by this triangle: the sides (i, k) and (k, j) when they are
                // not sides of the loop ((i, j) is counted by the enclosing triangle).
                let diagonal = |a: usize, b: usize| {
                    if b == a + 1 {
                        0.0
                    } else {
                        distance(lp[a], lp[b])
                    }
                };
                let tri_cost = diagonal(i, k) + diagonal(k, j);
                let c = cost[i][k] + cost[k][j] + tri_cost;
                // Strictly better by a margin, so ties keep the first apex on every platform.
                if c < best - 1e-12 {
                    best = c;
                    split[i][j] = k;
                }
            }
            cost[i][j] = best;
        }
    }
    let mut tris = Vec::new();
    let mut stack = vec![(0, n - 1)];
    while let Some((i, j)) = stack.pop() {
        if j - i < 2 {
            continue;
        }
        let k = split[i][j];
        assert!(
            cost[i][j].is_finite(),
            "loop {lp:?} has no valid triangulation"
        );
        tris.push([lp[i], lp[k], lp[j]]);
        stack.push((i, k));
        stack.push((k, j));
    }
    tris
}

fn build() -> CaseTable {
    let mut table = CaseTable {
        triangles: [[[0; 3]; MAX_TRIANGLES]; 256],
        counts: [0; 256],
        cut_edges: [0; 256],
    };
    for case in 0..256 {
        let tris: Vec<[usize; 3]> = loops(case).iter().flat_map(|l| triangulate(l)).collect();
        assert!(
            tris.len() <= MAX_TRIANGLES,
            "case {case}: {} triangles",
            tris.len()
        );
        for (slot, t) in table.triangles[case].iter_mut().zip(&tris) {
            *slot = t.map(|e| e as u8);
        }
        table.counts[case] = tris.len() as u8;
        table.cut_edges[case] = (0..12)
            .filter(|&e| {
                let [a, b] = edge_corners(e);
                (case >> a) & 1 != (case >> b) & 1
            })
            .fold(0u16, |m, e| m | (1 << e));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    fn triangles(case: usize) -> Vec<[usize; 3]> {
        let t = case_table();
        t.triangles[case][..t.counts[case] as usize]
            .iter()
            .map(|tri| tri.map(usize::from))
            .collect()
    }

    /// Directed edges of a case's patch that have no reverse twin: the patch boundary.
    fn boundary(case: usize) -> BTreeSet<(usize, usize)> {
        let mut directed = HashMap::<(usize, usize), usize>::new();
        for t in triangles(case) {
            for s in 0..3 {
                *directed.entry((t[s], t[(s + 1) % 3])).or_default() += 1;
            }
        }
        for (&(a, b), &n) in &directed {
            assert_eq!(n, 1, "case {case}: directed edge {a}->{b} used {n} times");
        }
        directed
            .keys()
            .filter(|&&(a, b)| !directed.contains_key(&(b, a)))
            .copied()
            .collect()
    }

    fn face_bits(case: usize, axis: usize, side: usize) -> usize {
        face_corners(axis, side)
            .iter()
            .enumerate()
            .fold(0, |m, (k, &c)| m | (((case >> c) & 1) << k))
    }

    fn edge_on_face(e: usize, axis: usize, side: usize) -> bool {
        edge_corners(e).iter().all(|&c| (c >> axis) & 1 == side)
    }

    /// The same edge seen from the neighbouring cell across face (axis, 1).
    fn across(e: usize, axis: usize) -> usize {
        let [a, b] = edge_corners(e);
        edge_between(a & !(1 << axis), b & !(1 << axis))
    }

    #[test]
    fn corner_and_edge_numbering_agree() {
        for e in 0..12 {
            let [a, b] = edge_corners(e);
            assert_eq!((a ^ b).count_ones(), 1);
            assert_eq!(edge_between(a, b), e);
            assert_eq!(edge_between(b, a), e);
        }
    }

    #[test]
    fn every_case_is_a_closed_patch_of_its_cut_edges() {
        let t = case_table();
        assert_eq!(t.counts[0], 0);
        assert_eq!(t.counts[255], 0);
        for case in 0..256 {
            let tris = triangles(case);
            let used: u16 = tris.iter().flatten().fold(0, |m, &e| m | (1 << e));
            assert_eq!(used, t.cut_edges[case], "case {case}");
            for tri in &tris {
                assert!(tri[0] != tri[1] && tri[1] != tri[2] && tri[0] != tri[2]);
                assert!(
                    triangle_area(tri[0], tri[1], tri[2]) > 1e-6,
                    "case {case}: flat triangle"
                );
            }
            // Every boundary edge of the patch lies on a face of the cell, and on each face the
            // boundary is exactly the face rule's segments: the patch closes up inside the cell.
            let b = boundary(case);
            let mut from_faces = BTreeSet::new();
            for axis in 0..3 {
                for side in 0..2 {
                    from_faces.extend(face_segments(case, axis, side));
                }
            }
            assert_eq!(b, from_faces, "case {case}");
            // Diagonals (edges inside the patch) never join two edges of one face: only this
            // cell can draw them, so no mesh edge gets more than two triangles.
            for t in &tris {
                for s in 0..3 {
                    let (p, q) = (t[s], t[(s + 1) % 3]);
                    if !b.contains(&(p, q)) {
                        assert!(!share_face(p, q), "case {case}: diagonal {p}-{q} on a face");
                    }
                }
            }
            // Each cut edge has one patch edge in and one out on the boundary (a 2-manifold
            // boundary: loops, no branching).
            for e in 0..12 {
                let outs = b.iter().filter(|s| s.0 == e).count();
                let ins = b.iter().filter(|s| s.1 == e).count();
                let cut = (t.cut_edges[case] >> e) & 1;
                assert_eq!(
                    (outs, ins),
                    (cut as usize, cut as usize),
                    "case {case} edge {e}"
                );
            }
        }
    }

    #[test]
    fn faces_agree_between_neighbouring_cells() {
        // On each face the segments depend on the face's four corners only, and the two cells
        // sharing a face see the same segments in opposite directions.
        let mut seen: HashMap<(usize, usize, usize), BTreeSet<(usize, usize)>> = HashMap::new();
        for case in 0..256 {
            let b = boundary(case);
            for axis in 0..3 {
                for side in 0..2 {
                    let on_face: BTreeSet<_> = b
                        .iter()
                        .filter(|(p, q)| {
                            edge_on_face(*p, axis, side) && edge_on_face(*q, axis, side)
                        })
                        .copied()
                        .collect();
                    let key = (axis, side, face_bits(case, axis, side));
                    let prev = seen.entry(key).or_insert_with(|| on_face.clone());
                    assert_eq!(*prev, on_face, "case {case} face {key:?}");
                }
            }
        }
        for axis in 0..3 {
            for bits in 0..16 {
                // The neighbour's low face has the same corner pattern in the same cyclic order.
                let upper = &seen[&(axis, 1, bits)];
                let lower = &seen[&(axis, 0, bits)];
                let mapped: BTreeSet<_> = upper
                    .iter()
                    .map(|&(p, q)| (across(q, axis), across(p, axis)))
                    .collect();
                assert_eq!(&mapped, lower, "axis {axis} bits {bits:04b}");
            }
        }
    }

    #[test]
    fn normals_point_from_inside_to_outside() {
        for case in 1..255usize {
            let inside: Vec<usize> = (0..8).filter(|&c| (case >> c) & 1 == 1).collect();
            let outside: Vec<usize> = (0..8).filter(|&c| (case >> c) & 1 == 0).collect();
            let centroid = |cs: &[usize]| {
                let mut m = Point::ORIGIN;
                for &c in cs {
                    m = m + (corner_position(c) - Point::ORIGIN) * (1.0 / cs.len() as f64);
                }
                m
            };
            let towards_outside = centroid(&outside) - centroid(&inside);
            let mut vector_area = Vector::default();
            for t in triangles(case) {
                let [a, b, c] = t.map(edge_midpoint);
                vector_area = vector_area + (b - a).cross(c - a);
            }
            let d = vector_area.dot(towards_outside);
            if towards_outside.dot(towards_outside) > 1e-9 && vector_area.dot(vector_area) > 1e-9 {
                assert!(d > 0.0, "case {case:08b}: {d}");
            }
        }
        // One inside corner: one triangle facing away from it.
        let t = triangles(1);
        assert_eq!(t.len(), 1);
        let [a, b, c] = t[0].map(edge_midpoint);
        assert!((b - a).cross(c - a).dot(Vector::new(1.0, 1.0, 1.0)) > 0.0);
    }

    #[test]
    fn ambiguous_faces_keep_inside_corners_apart() {
        // Two inside corners on a face diagonal: two separate triangles (as VTK).
        assert_eq!(case_table().counts[0b1001], 2);
        // The complement joins the two outside corners with one band of four triangles.
        assert_eq!(case_table().counts[0b1111_0110], 4);
        assert_eq!(loops(0b1111_0110).len(), 1);
    }
}
