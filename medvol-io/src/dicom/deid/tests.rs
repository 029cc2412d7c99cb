use super::walker::DUMMY_TEXT;
use super::*;

fn el(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

#[test]
fn dataset_actions_follow_the_table() {
    let mut obj = InMemDicomObject::from_element_iter([
        el(Tag(0x0010, 0x0010), VR::PN, "Doe^John"),
        el(Tag(0x0008, 0x0080), VR::LO, "Hospital"),
        el(Tag(0x0008, 0x1050), VR::PN, "Dr^X"),
        el(Tag(0x0008, 0x0021), VR::DA, "20200115"),
        el(Tag(0x0008, 0x0012), VR::DA, "20200116"),
        el(Tag(0x0010, 0x0030), VR::DA, "19600101"),
        el(Tag(0x0008, 0x0016), VR::UI, "1.2.840.10008.5.1.4.1.1.2"),
        el(Tag(0x0020, 0x000E), VR::UI, "1.2.3.4"),
        el(Tag(0x0009, 0x0010), VR::LO, "GEMS"),
        el(Tag(0x0018, 0x1250), VR::SH, "Body coil"), // Receive Coil Name: not kept
        DataElement::new(Tag(0x0028, 0x0010), VR::US, PrimitiveValue::from(2u16)),
    ]);
    let anon = Anonymizer::new().with_date_shift_days(10);
    let dropped = anon.apply_dataset(&mut obj);
    let s = |t| obj.get(t).map(|e| e.to_str().unwrap().to_string());
    assert_eq!(s(Tag(0x0010, 0x0010)).as_deref(), Some("")); // Z
    assert_eq!(s(Tag(0x0008, 0x0080)).as_deref(), Some(DUMMY_TEXT)); // X/Z/D
    assert!(obj.get(Tag(0x0008, 0x1050)).is_none()); // X
    assert_eq!(s(Tag(0x0008, 0x0021)).as_deref(), Some("20200125")); // shifted
    assert_eq!(s(Tag(0x0008, 0x0012)).as_deref(), Some("20200126")); // creation date too
    assert_eq!(s(Tag(0x0010, 0x0030)).as_deref(), Some("")); // birth date: Z anyway
    assert_eq!(
        s(Tag(0x0008, 0x0016)).as_deref(),
        Some("1.2.840.10008.5.1.4.1.1.2")
    );
    assert_eq!(s(Tag(0x0020, 0x000E)), Some(anon.map_uid("1.2.3.4")));
    assert!(obj.get(Tag(0x0009, 0x0010)).is_none()); // private
    assert!(obj.get(Tag(0x0018, 0x1250)).is_none()); // outside the table, not kept
    assert_eq!(
        dropped.into_iter().collect::<Vec<_>>(),
        [Tag(0x0018, 0x1250)]
    );
    assert_eq!(s(Tag(0x0028, 0x0010)).as_deref(), Some("2"));
    assert_eq!(s(PATIENT_IDENTITY_REMOVED).as_deref(), Some("YES"));
    assert_eq!(
        s(LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
}

#[test]
fn options_keep_or_clean_what_their_columns_say() {
    let mut obj = InMemDicomObject::from_element_iter([
        el(Tag(0x0010, 0x0010), VR::PN, "Doe^John"),
        el(Tag(0x0010, 0x0040), VR::CS, "F"), // sex: patient K
        el(Tag(0x0018, 0x1000), VR::LO, "SN123"), // device serial: device K
        el(Tag(0x0008, 0x103E), VR::LO, "T1 for John Doe"), // series description: C
        el(Tag(0x0020, 0x000E), VR::UI, "1.2.3.4"),
    ]);
    let anon = Anonymizer::new()
        .with_retain_patient_characteristics(true)
        .with_retain_device_identity(true)
        .with_clean_descriptors(true)
        .with_retain_uids(true);
    anon.apply_dataset(&mut obj);
    let s = |t| obj.get(t).map(|e| e.to_str().unwrap().to_string());
    assert_eq!(s(Tag(0x0010, 0x0040)).as_deref(), Some("F"));
    assert_eq!(s(Tag(0x0018, 0x1000)).as_deref(), Some("SN123"));
    assert_eq!(s(Tag(0x0008, 0x103E)).as_deref(), Some("T1 for *** ***"));
    assert_eq!(s(Tag(0x0020, 0x000E)).as_deref(), Some("1.2.3.4"));
    let codes: Vec<String> = obj
        .get(DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .iter()
        .map(|i| i.get(CODE_VALUE).unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["113100", "113108", "113109", "113110", "113105"]);
}

#[test]
fn an_earlier_deidentification_record_survives() {
    let face = InMemDicomObject::from_element_iter([
        el(CODE_VALUE, VR::SH, "113102"),
        el(CODING_SCHEME_DESIGNATOR, VR::SH, "DCM"),
        el(
            CODE_MEANING,
            VR::LO,
            "Clean Recognizable Visual Features Option",
        ),
    ]);
    let mut obj = InMemDicomObject::from_element_iter([
        el(DEIDENTIFICATION_METHOD, VR::LO, "mri_deface"),
        DataElement::new(
            DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![face]),
        ),
    ]);
    Anonymizer::new().apply_dataset(&mut obj);
    let items = obj
        .get(DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    let first = items[0].get(CODE_VALUE).unwrap().to_str().unwrap();
    assert_eq!(first, "113102");
    assert_eq!(items.len(), 2);
    let methods = obj
        .get(DEIDENTIFICATION_METHOD)
        .unwrap()
        .to_multi_str()
        .unwrap();
    assert_eq!(methods[0], "mri_deface");
    assert_eq!(methods.len(), 2);
}
