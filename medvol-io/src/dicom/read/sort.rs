//! The series sorter: the frames of one group (same series, size, orientation, echo) in slice
//! order along the normal of ImageOrientationPatient, split into time points when positions
//! repeat, or with duplicates dropped. Mosaics are whole volumes, one per file, in time order.

use super::frame::FrameHeader;
use super::header::FileHeader;
use crate::dicom::place::geometry::{SAME_POSITION_MM, axes_from_iop};
use medvol_core::{Point, Vector, Warning};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Items to stack: a header and one of its frames.
pub(crate) type Item = (Arc<FileHeader>, u32);

/// The frame header of an item.
pub(crate) fn frame(it: &Item) -> &FrameHeader {
    &it.0.frames[it.1 as usize]
}

/// The items of one volume in k order, its time point (index, count) and what the sorter
/// noticed.
pub(crate) struct Sorted {
    pub(crate) items: Vec<Item>,
    pub(crate) time_point: Option<(usize, usize)>,
    pub(crate) warnings: Vec<Warning>,
}

impl Sorted {
    fn one(items: Vec<Item>, warnings: Vec<Warning>) -> Self {
        Self {
            items,
            time_point: None,
            warnings,
        }
    }
}

/// Order by InstanceNumber, then path, then frame.
pub(crate) fn by_instance(a: &Item, b: &Item) -> std::cmp::Ordering {
    (a.0.instance_number, &a.0.path, a.1).cmp(&(b.0.instance_number, &b.0.path, b.1))
}

/// Keys that may tell time points apart, in order of preference.
fn time_keys(it: &Item) -> [Option<i64>; 4] {
    let h = &it.0;
    [
        frame(it).temporal_position,
        h.acquisition_number,
        h.trigger_time.map(|t| (t * 1000.0).round() as i64),
        h.acquisition_time
            .as_deref()
            .and_then(|t| t.replace(':', "").parse::<f64>().ok())
            .map(|t| (t * 1000.0).round() as i64),
    ]
}

/// Order by the time keys, then by instance.
fn by_time(a: &Item, b: &Item) -> std::cmp::Ordering {
    time_keys(a)
        .cmp(&time_keys(b))
        .then_with(|| by_instance(a, b))
}

/// Mosaics (Siemens, UIH): each image is a whole volume, so the files are the time points (in
/// time order).
fn mosaic_volumes(mut items: Vec<Item>) -> Vec<Sorted> {
    items.sort_by(by_time);
    let n = items.len();
    let p0 = frame(&items[0]).position;
    let same_place = items.iter().all(|it| match (frame(it).position, p0) {
        (Some(a), Some(b)) => (Point(a) - Point(b)).norm() < SAME_POSITION_MM,
        (a, b) => a.is_none() && b.is_none(),
    });
    items
        .into_iter()
        .enumerate()
        .map(|(t, it)| {
            let mut w = Vec::new();
            if !same_place {
                w.push(Warning::Mosaic {
                    note: "Siemens mosaics of this series lie at different positions: each \
                           read as its own volume, numbered as time points"
                        .to_string(),
                });
            }
            Sorted {
                items: vec![it],
                time_point: (n > 1).then_some((t, n)),
                warnings: w,
            }
        })
        .collect()
}

/// One group of same-orientation frames sorted into one volume, or one per time point; `Err`
/// with the number of volumes it would make when that is more than `budget`.
pub(crate) fn volumes(
    mut items: Vec<Item>,
    budget: usize,
) -> std::result::Result<Vec<Sorted>, usize> {
    let within = |n: usize| if n <= budget { Ok(()) } else { Err(n) };
    if items.iter().all(|it| it.0.mosaic().is_some()) {
        within(items.len())?;
        return Ok(mosaic_volumes(items));
    }
    within(1)?;
    let positioned = items
        .iter()
        .all(|it| frame(it).position.is_some() && frame(it).orientation.is_some());
    if !positioned {
        items.sort_by(by_instance);
        return Ok(vec![Sorted::one(items, Vec::new())]);
    }
    let normal = slice_normal(&items);
    let along = |it: &Item| Vector(frame(it).position.unwrap_or_default()).dot(normal);
    let runs = runs_of_equal_positions(items, &along);
    let max_rep = runs.iter().map(Vec::len).max().unwrap_or(1);
    if max_rep == 1 {
        let items = runs.into_iter().flatten().collect();
        return Ok(vec![Sorted::one(items, Vec::new())]);
    }
    if let Some(by_value) = time_points_by_key(&runs, &along) {
        let n = by_value.len();
        within(n)?;
        return Ok(by_value
            .into_iter()
            .enumerate()
            .map(|(t, items)| Sorted {
                items,
                time_point: Some((t, n)),
                warnings: Vec::new(),
            })
            .collect());
    }
    if runs.iter().all(|r| r.len() == max_rep) {
        within(max_rep)?;
        return Ok(time_points_by_order(runs, max_rep));
    }
    Ok(vec![without_duplicates(runs)])
}

/// The slice normal of the first item's orientation (z when it has none).
fn slice_normal(items: &[Item]) -> Vector {
    let axes = frame(&items[0])
        .orientation
        .and_then(axes_from_iop)
        .unwrap_or([
            Vector([1.0, 0.0, 0.0]),
            Vector([0.0, 1.0, 0.0]),
            Vector([0.0, 0.0, 1.0]),
        ]);
    axes[2]
}

/// `items` sorted along the normal (then by instance), in runs of equal positions.
fn runs_of_equal_positions(mut items: Vec<Item>, along: &impl Fn(&Item) -> f64) -> Vec<Vec<Item>> {
    items.sort_by(|a, b| {
        along(a)
            .total_cmp(&along(b))
            .then_with(|| by_instance(a, b))
    });
    let mut runs: Vec<Vec<Item>> = Vec::new();
    for it in items {
        match runs.last_mut() {
            Some(r) if (along(&r[0]) - along(&it)).abs() < SAME_POSITION_MM => r.push(it),
            _ => runs.push(vec![it]),
        }
    }
    runs
}

/// The time points of repeated positions by the first time key whose values each hold every
/// position once (in key order), if one does.
fn time_points_by_key(runs: &[Vec<Item>], along: &impl Fn(&Item) -> f64) -> Option<Vec<Vec<Item>>> {
    let all: Vec<Item> = runs.iter().flatten().cloned().collect();
    for key in 0..4 {
        let mut by_value: BTreeMap<i64, Vec<Item>> = BTreeMap::new();
        if !all.iter().all(|it| {
            time_keys(it)[key].is_some_and(|v| {
                by_value.entry(v).or_default().push(it.clone());
                true
            })
        }) {
            continue;
        }
        let ok = by_value.len() > 1
            && by_value.values().all(|v| v.len() == runs.len())
            && by_value.values().all(|v| {
                v.iter()
                    .map(along)
                    .collect::<Vec<_>>()
                    .windows(2)
                    .all(|w| w[1] - w[0] >= SAME_POSITION_MM)
            });
        if ok {
            return Some(by_value.into_values().collect());
        }
    }
    None
}

/// Same count at every position and no key to tell them apart: the n-th image at each
/// position (by time keys, then instance) is time point n.
fn time_points_by_order(mut runs: Vec<Vec<Item>>, count: usize) -> Vec<Sorted> {
    for r in &mut runs {
        r.sort_by(by_time);
    }
    (0..count)
        .map(|t| Sorted {
            items: runs.iter().map(|r| r[t].clone()).collect(),
            time_point: Some((t, count)),
            warnings: vec![Warning::TimePointsByOrder],
        })
        .collect()
}

/// Unequal repeats are duplicates: the first of each position by InstanceNumber is kept.
fn without_duplicates(runs: Vec<Vec<Item>>) -> Sorted {
    let mut dropped = Vec::new();
    let mut kept = Vec::new();
    for mut r in runs {
        r.sort_by(by_instance);
        let mut it = r.into_iter();
        if let Some(first) = it.next() {
            kept.push(first);
        }
        dropped.extend(it.map(|x| x.0.path.clone()));
    }
    Sorted::one(kept, vec![Warning::DuplicatePositions { ignored: dropped }])
}
