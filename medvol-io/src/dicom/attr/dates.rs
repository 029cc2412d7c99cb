//! DA and DT dates: days since 1970 and back, and dates moved by a whole number of days (for
//! the Retain Longitudinal Temporal Information with Modified Dates option). Times of day are kept: a whole-day shift leaves them as they are,
//! which is how the standard's option keeps intervals between events.

use dicom_core::header::Header;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_object::InMemDicomObject;

/// The element with each date moved by `days`, or `None` if it is not a DA/DT element with
/// valid full dates.
pub(crate) fn shift_element(
    elem: &DataElement<InMemDicomObject>,
    days: i32,
) -> Option<DataElement<InMemDicomObject>> {
    let vr = elem.vr();
    if !matches!(vr, VR::DA | VR::DT) {
        return None;
    }
    let values = elem.value().to_multi_str().ok()?;
    let shifted = values
        .iter()
        .map(|v| {
            let v = v.trim();
            let date = v.get(..8)?;
            let rest = &v[8..];
            if vr == VR::DA && !rest.is_empty() {
                return None;
            }
            Some(format!("{}{rest}", shift_date(date, days)?))
        })
        .collect::<Option<Vec<String>>>()?;
    Some(DataElement::new(
        elem.tag(),
        vr,
        PrimitiveValue::Strs(shifted.into_iter().collect()),
    ))
}

/// `YYYYMMDD` moved by `days`, or `None` if it is not a valid date.
fn shift_date(date: &str, days: i32) -> Option<String> {
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i64 = date[..4].parse().ok()?;
    let m: i64 = date[4..6].parse().ok()?;
    let d: i64 = date[6..].parse().ok()?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + i64::from(days));
    (0..=9999)
        .contains(&y)
        .then(|| format!("{y:04}{m:02}{d:02}"))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_shift_crosses_months_years_and_leap_days() {
        assert_eq!(shift_date("20240228", 1).unwrap(), "20240229");
        assert_eq!(shift_date("20240229", 1).unwrap(), "20240301");
        assert_eq!(shift_date("20230101", -1).unwrap(), "20221231");
        assert_eq!(shift_date("19700101", 0).unwrap(), "19700101");
        assert_eq!(shift_date("20000301", -366).unwrap(), "19990301");
        assert!(shift_date("20230230", 1).is_none());
        assert!(shift_date("2023", 1).is_none());
        for z in [-800_000, -1, 0, 1, 19_000, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn date_times_keep_their_time_and_offset() {
        let dt = DataElement::<InMemDicomObject>::new(
            dicom_core::Tag(0x0018, 0x9074),
            VR::DT,
            PrimitiveValue::from("20200131235959.5+0100"),
        );
        let shifted = shift_element(&dt, 1).unwrap();
        assert_eq!(shifted.to_str().unwrap(), "20200201235959.5+0100");
    }
}
