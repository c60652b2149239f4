use std::net::Ipv6Addr;

use serde_json::json;

use super::*;

fn field(t: FieldType) -> FieldMapping {
    FieldMapping::new(t)
}

fn ok(f: &FieldMapping, v: Value) -> IndexedValue {
    match convert(f, "f", &v, true) {
        Ok(Converted::Value(x)) => x,
        other => panic!("{v}: {other:?}"),
    }
}

fn fails(f: &FieldMapping, v: Value, coerce: bool) -> (String, String) {
    let e = convert(f, "f", &v, coerce).unwrap_err();
    (e.cause_type.to_string(), e.text(Some((1, 7))))
}

#[test]
fn integers_coerce_truncate_and_check_ranges() {
    let long = field(FieldType::Long);
    assert_eq!(ok(&long, json!(42)), IndexedValue::Long(42));
    assert_eq!(ok(&long, json!("42")), IndexedValue::Long(42));
    assert_eq!(ok(&long, json!(7.9)), IndexedValue::Long(7));
    assert_eq!(ok(&long, json!("-7.9")), IndexedValue::Long(-7));
    assert_eq!(ok(&long, json!("1e3")), IndexedValue::Long(1000));
    assert_eq!(
        fails(&long, json!("abc"), true),
        (
            "illegal_argument_exception".into(),
            "For input string: \"abc\"".into()
        )
    );
    assert_eq!(
        fails(&long, json!("99999999999999999999"), true).1,
        "Value [99999999999999999999] is out of range for a long"
    );
    assert_eq!(
        fails(&long, json!(18_446_744_073_709_551_615u64), true),
        (
            "x_content_parse_exception".into(),
            "[1:7] Numeric value (18446744073709551615) out of range of long (-9223372036854775808 - 9223372036854775807)".into()
        )
    );
    assert_eq!(
        fails(&long, json!("5"), false).1,
        "Long value passed as String"
    );
    assert_eq!(
        fails(&long, json!(1.5), false).1,
        "1.5 cannot be converted to Long without data loss"
    );
    assert_eq!(
        fails(&long, json!(true), true).1,
        "[1:7] Current token (VALUE_TRUE) not numeric, can not use numeric value accessors"
    );

    let byte = field(FieldType::Byte);
    assert_eq!(ok(&byte, json!(-128)), IndexedValue::Long(-128));
    assert_eq!(
        fails(&byte, json!(300), true).1,
        "Value [300] is out of range for a byte"
    );
    assert_eq!(
        fails(&byte, json!("300"), true).1,
        "Value [300] is out of range for a byte"
    );
    let short = field(FieldType::Short);
    assert_eq!(
        fails(&short, json!(40000), true).1,
        "Value [40000] is out of range for a short"
    );
    let int = field(FieldType::Integer);
    assert_eq!(
        fails(&int, json!(2_147_483_648i64), true).1,
        "[1:7] Numeric value (2147483648) out of range of int (-2147483648 - 2147483647)"
    );
    assert_eq!(
        fails(&int, json!("3000000000"), true).1,
        "Value [3000000000] is out of range for an integer"
    );
    assert_eq!(
        fails(&int, json!("x"), true),
        (
            "number_format_exception".into(),
            "For input string: \"x\"".into()
        )
    );
    assert_eq!(
        fails(&int, json!("1"), false).1,
        "Integer value passed as String"
    );
}

#[test]
fn empty_strings_and_nulls_use_null_value() {
    let mut long = field(FieldType::Long);
    assert_eq!(
        convert(&long, "f", &json!(""), true),
        Ok(Converted::Nothing)
    );
    assert_eq!(
        convert(&long, "f", &json!(null), true),
        Ok(Converted::Nothing)
    );
    long.null_value = Some(json!(-1));
    assert_eq!(ok(&long, json!(null)), IndexedValue::Long(-1));
    assert_eq!(ok(&long, json!("")), IndexedValue::Long(-1));
}

#[test]
fn floating_types_keep_their_precision_and_refuse_non_finite_values() {
    let float = field(FieldType::Float);
    assert_eq!(
        ok(&float, json!(1.1)),
        IndexedValue::Double(f64::from(1.1f32))
    );
    assert_eq!(
        fails(&float, json!(1e39), true).1,
        "[float] supports only finite values, but got [Infinity]"
    );
    assert_eq!(
        fails(&float, json!("NaN"), true).1,
        "[float] supports only finite values, but got [NaN]"
    );
    assert_eq!(
        fails(&float, json!("1"), false).1,
        "Float value passed as String"
    );
    let half = field(FieldType::HalfFloat);
    assert_eq!(
        ok(&half, json!(0.1)),
        IndexedValue::Double(f64::from(half_precision(0.1)))
    );
    assert_eq!(half_precision(0.1), 0.099975586);
    assert_eq!(half_precision(65504.0), 65504.0);
    assert_eq!(half_precision(-1.0e-8), -0.0);
    assert_eq!(half_precision(2049.0), 2048.0);
    assert_eq!(
        fails(&half, json!(70000), true).1,
        "[half_float] supports only finite values, but got [70000.0]"
    );
    let double = field(FieldType::Double);
    assert_eq!(ok(&double, json!("2.5")), IndexedValue::Double(2.5));
    assert_eq!(
        fails(&double, json!("Infinity"), true).1,
        "[double] supports only finite values, but got [Infinity]"
    );
    assert_eq!(
        fails(&double, json!("2"), false).1,
        "Double value passed as String"
    );
    let mut scaled = field(FieldType::ScaledFloat);
    scaled.scaling_factor = Some(100.0);
    assert_eq!(ok(&scaled, json!(1.234)), IndexedValue::Long(123));
    assert_eq!(ok(&scaled, json!("0.125")), IndexedValue::Long(13));
}

#[test]
fn unsigned_longs_cover_the_whole_range() {
    let u = field(FieldType::UnsignedLong);
    assert_eq!(
        ok(&u, json!(18_446_744_073_709_551_615u64)),
        IndexedValue::UnsignedLong(u64::MAX)
    );
    assert_eq!(
        ok(&u, json!("18446744073709551615")),
        IndexedValue::UnsignedLong(u64::MAX)
    );
    assert_eq!(ok(&u, json!(0)), IndexedValue::UnsignedLong(0));
    assert_eq!(
        fails(&u, json!(-1), true).1,
        "Value [-1] is out of range for unsigned long."
    );
    assert_eq!(
        fails(&u, json!("18446744073709551616"), true).1,
        "Value [18446744073709551616] is out of range for unsigned long."
    );
    assert_eq!(
        fails(&u, json!(1.5), true).1,
        "Value [1.5] has a decimal part"
    );
    assert_eq!(fails(&u, json!("x"), true).0, "number_format_exception");
}

#[test]
fn booleans_dates_and_ips() {
    let b = field(FieldType::Boolean);
    assert_eq!(ok(&b, json!("true")), IndexedValue::Boolean(true));
    assert_eq!(ok(&b, json!("")), IndexedValue::Boolean(false));
    assert_eq!(
        fails(&b, json!("yes"), true).1,
        "Failed to parse value [yes] as only [true] or [false] are allowed."
    );
    assert_eq!(
        fails(&b, json!(1), true).1,
        "[1:7] Current token (VALUE_NUMBER_INT) not of boolean type"
    );

    let date = field(FieldType::Date);
    assert_eq!(
        ok(&date, json!("2015-01-01T12:10:30Z")),
        IndexedValue::Date(DateValue::Millis(1_420_114_230_000))
    );
    assert_eq!(
        ok(&date, json!(1_420_070_400_001i64)),
        IndexedValue::Date(DateValue::Millis(1_420_070_400_001))
    );
    assert_eq!(
        fails(&date, json!("yesterday"), true),
        (
            "illegal_argument_exception".into(),
            "failed to parse date field [yesterday] with format [strict_date_optional_time||epoch_millis]".into()
        )
    );
    assert_eq!(
        fails(&date, json!({"a": 1}), true).1,
        "Expected text at 1:7 but found START_OBJECT"
    );
    let nanos = field(FieldType::DateNanos);
    assert_eq!(
        ok(&nanos, json!("2015-01-01T12:10:30.123456789Z")),
        IndexedValue::Date(DateValue::Nanos(1_420_114_230_123_456_789))
    );
    assert_eq!(
        fails(&nanos, json!("1969-12-31T23:59:59Z"), true).1,
        "date[1969-12-31T23:59:59Z] is before the epoch in 1970 and cannot be stored in nanosecond resolution"
    );
    assert!(
        fails(&nanos, json!("2300-01-01T00:00:00Z"), true)
            .1
            .ends_with("is after 2262-04-11T23:47:16.854775807 and cannot be stored in nanosecond resolution")
    );

    let ip = field(FieldType::Ip);
    assert_eq!(
        ok(&ip, json!("192.168.1.1")),
        IndexedValue::Ip("::ffff:192.168.1.1".parse::<Ipv6Addr>().unwrap())
    );
    assert_eq!(
        ok(&ip, json!("2001:db8::1")),
        IndexedValue::Ip("2001:db8::1".parse().unwrap())
    );
    assert_eq!(
        fails(&ip, json!("300.1.1.1"), true).1,
        "'300.1.1.1' is not an IP string literal."
    );
}

#[test]
fn keywords_apply_ignore_above_normalizer_and_the_term_limit() {
    let mut k = field(FieldType::Keyword);
    assert_eq!(ok(&k, json!(5)), IndexedValue::Keyword("5".into()));
    assert_eq!(ok(&k, json!(true)), IndexedValue::Keyword("true".into()));
    k.ignore_above = Some(3);
    assert_eq!(
        convert(&k, "f", &json!("abcd"), true),
        Ok(Converted::IgnoredAbove)
    );
    assert_eq!(ok(&k, json!("abc")), IndexedValue::Keyword("abc".into()));
    k.ignore_above = None;
    k.normalizer = Some(super::super::field::Normalizer::Lowercase);
    assert_eq!(
        ok(&k, json!("MiXeD")),
        IndexedValue::Keyword("mixed".into())
    );
    let e = convert(&k, "tag", &json!("a".repeat(40_000)), true).unwrap_err();
    assert!(!e.ignorable);
    assert!(e.reason.starts_with(
        "Document contains at least one immense term in field=\"tag\" (whose UTF8 encoding is longer than the max length 32766)"
    ));
    assert!(
        e.reason
            .ends_with("'[97, 97, 97, 97, 97, 97, 97, 97, 97, 97]...'")
    );
    let text = field(FieldType::Text);
    assert_eq!(ok(&text, json!(1.5)), IndexedValue::Text("1.5".into()));
    assert_eq!(
        fails(&text, json!({"a": 1}), true).1,
        "Expected text at 1:7 but found START_OBJECT"
    );
}

#[test]
fn null_values_normalise_to_their_type() {
    let normalized = |t: FieldType, v: Value| normalize_null_value(&field(t), &v);
    assert_eq!(normalized(FieldType::Long, json!("5")), Ok(json!(5)));
    assert_eq!(normalized(FieldType::Float, json!("1.1")), Ok(json!(1.1)));
    assert_eq!(normalized(FieldType::Keyword, json!(5)), Ok(json!("5")));
    assert_eq!(
        normalized(FieldType::Boolean, json!("true")),
        Ok(json!(true))
    );
    assert_eq!(
        normalized(FieldType::Ip, json!("10.0.0.1")),
        Ok(json!("10.0.0.1"))
    );
    assert_eq!(
        normalized(FieldType::Long, json!("abc"))
            .unwrap_err()
            .reason,
        "For input string: \"abc\""
    );
    assert_eq!(
        normalized(FieldType::Date, json!("never"))
            .unwrap_err()
            .reason,
        "failed to parse date field [never] with format [strict_date_optional_time||epoch_millis]"
    );
}
