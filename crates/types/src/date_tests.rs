use super::*;
use proptest::prelude::*;

/// 2024-05-15T10:20:30.456Z, a Wednesday.
const NOW_MS: i64 = 1_715_768_430_456;

fn now() -> Timestamp {
    Timestamp::from_millisecond(NOW_MS).unwrap()
}

fn ms(iso: &str) -> i64 {
    iso.parse::<Timestamp>().unwrap().as_millisecond()
}

fn math(text: &str, round_up: bool) -> Result<i64> {
    DateMathParser::default()
        .parse(text, now(), round_up)
        .map(Timestamp::as_millisecond)
}

fn math_in(tz: &str, text: &str, round_up: bool) -> i64 {
    DateMathParser::new(DateFormat::default(), parse_time_zone(tz).unwrap())
        .parse(text, now(), round_up)
        .unwrap()
        .as_millisecond()
}

#[test]
fn strict_date_optional_time() {
    let f = DateFormat::default();
    let p = |t: &str| {
        f.parse(t, &TimeZone::UTC, false)
            .map(Timestamp::as_millisecond)
    };
    assert_eq!(p("2024-01-31").unwrap(), ms("2024-01-31T00:00:00Z"));
    assert_eq!(p("2024").unwrap(), ms("2024-01-01T00:00:00Z"));
    assert_eq!(p("2024-02").unwrap(), ms("2024-02-01T00:00:00Z"));
    assert_eq!(p("2024-01-31T10").unwrap(), ms("2024-01-31T10:00:00Z"));
    assert_eq!(p("2024-01-31T10:05").unwrap(), ms("2024-01-31T10:05:00Z"));
    assert_eq!(
        p("2024-01-31T10:05:06.123Z").unwrap(),
        ms("2024-01-31T10:05:06.123Z")
    );
    assert_eq!(
        p("2024-01-31T10:05:06,5").unwrap(),
        ms("2024-01-31T10:05:06.5Z")
    );
    assert_eq!(
        p("2024-01-31T10:05:06.123456789+01:00").unwrap(),
        ms("2024-01-31T09:05:06.123Z")
    );
    assert_eq!(p("2024-01-31T10+0130").unwrap(), ms("2024-01-31T08:30:00Z"));
    assert_eq!(
        p("2024-01-31T10:05-05").unwrap(),
        ms("2024-01-31T15:05:00Z")
    );
    assert_eq!(
        p("2024-07-01T12:00:00Europe/Paris").unwrap(),
        ms("2024-07-01T10:00:00Z")
    );
    assert_eq!(p("-0001-01-01").unwrap(), ms("-000001-01-01T00:00:00Z"));
    for bad in [
        "2024-13-01",
        "2024-02-30",
        "2024-1-01",
        "24-01-01",
        "2024-01-31T24:00",
        "2024-01-31T10:60",
        "2024-01-31 10:00",
        "2024-01-31Z",
        "2024-01-31T10:00:00.",
        "2024-01-31T10:00:00.1234567890",
        "2024-01-31T10:00:00+19:00",
        "2024-01-31T10:00:00+01:0030",
        "2024-01-31T10:00:00Mars/Base",
        "+10000-01-01",
        "99999-01-01",
        "é",
    ] {
        assert!(p(bad).is_err(), "{bad}");
    }
}

#[test]
fn epoch_millis_and_seconds() {
    let f = DateFormat::default();
    let p = |t: &str| f.parse(t, &TimeZone::UTC, false).map(to_epoch_millis);
    assert_eq!(p("1700000000000").unwrap(), 1_700_000_000_000);
    assert_eq!(p("-1").unwrap(), -1);
    assert_eq!(p("1.5").unwrap(), 1);
    assert_eq!(p("-1.5").unwrap(), -2);
    // Four digits are a year first, as in Elasticsearch.
    assert_eq!(p("2024").unwrap(), ms("2024-01-01T00:00:00Z"));
    assert!(p("99999999999999999999").is_err());
    assert!(p("1e3").is_err());
    let seconds = DateFormat::new("epoch_second").unwrap();
    assert_eq!(
        seconds
            .parse("1700000000.25", &TimeZone::UTC, false)
            .unwrap()
            .as_millisecond(),
        1_700_000_000_250
    );
}

#[test]
fn parse_errors_carry_elasticsearch_messages() {
    let f = DateFormat::default();
    let e = f.parse("nope", &TimeZone::UTC, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "failed to parse date field [nope] with format [strict_date_optional_time||epoch_millis]: [failed to parse date field [nope] with format [strict_date_optional_time||epoch_millis]]"
    );
    assert_eq!(crate::ErrorCode::es_type(&e), crate::EsErrorType::Parse);
    assert_eq!(
        f.parse("", &TimeZone::UTC, false).unwrap_err().to_string(),
        "cannot parse empty datetime"
    );
    let e = DateFormat::new("yyyy-MM-dd").unwrap_err();
    assert!(
        e.to_string().starts_with("Invalid format: [yyyy-MM-dd]"),
        "{e}"
    );
    assert_eq!(
        DateFormat::new("epoch_millis||strictDateOptionalTime")
            .unwrap()
            .spec(),
        "epoch_millis||strictDateOptionalTime"
    );
}

#[test]
fn round_up_fills_the_time_but_not_month_or_day() {
    let f = DateFormat::default();
    let up = |t: &str| f.parse(t, &TimeZone::UTC, true).unwrap().as_millisecond();
    assert_eq!(up("2024-01-31"), ms("2024-01-31T23:59:59.999999999Z"));
    assert_eq!(up("2024-01"), ms("2024-01-01T23:59:59.999999999Z"));
    assert_eq!(up("2024-01-31T10"), ms("2024-01-31T10:59:59.999999999Z"));
    assert_eq!(
        up("2024-01-31T10:00:00"),
        ms("2024-01-31T10:00:00.999999999Z")
    );
    assert_eq!(up("2024-01-31T10:00:00.5"), ms("2024-01-31T10:00:00.5Z"));
}

#[test]
fn date_math_from_now() {
    assert_eq!(math("now", false).unwrap(), NOW_MS);
    assert_eq!(math("now-1d", false).unwrap(), NOW_MS - 86_400_000);
    assert_eq!(math("now+2h", false).unwrap(), NOW_MS + 7_200_000);
    assert_eq!(math("now+0s", false).unwrap(), NOW_MS);
    assert_eq!(math("now-m", false).unwrap(), NOW_MS - 60_000);
    assert_eq!(math("now/d", false).unwrap(), ms("2024-05-15T00:00:00Z"));
    assert_eq!(math("now/d", true).unwrap(), ms("2024-05-15T23:59:59.999Z"));
    assert_eq!(math("now/M", false).unwrap(), ms("2024-05-01T00:00:00Z"));
    assert_eq!(math("now/M", true).unwrap(), ms("2024-05-31T23:59:59.999Z"));
    assert_eq!(math("now/y", false).unwrap(), ms("2024-01-01T00:00:00Z"));
    assert_eq!(math("now/w", false).unwrap(), ms("2024-05-13T00:00:00Z"));
    assert_eq!(math("now/H", false).unwrap(), ms("2024-05-15T10:00:00Z"));
    assert_eq!(math("now/m", false).unwrap(), ms("2024-05-15T10:20:00Z"));
    assert_eq!(math("now/s", false).unwrap(), ms("2024-05-15T10:20:30Z"));
    assert_eq!(
        math("now-1M/M+1d", false).unwrap(),
        ms("2024-04-02T00:00:00Z")
    );
}

#[test]
fn date_math_is_calendar_arithmetic() {
    assert_eq!(
        math("2024-01-31||+1M", false).unwrap(),
        ms("2024-02-29T00:00:00Z")
    );
    assert_eq!(
        math("2024-02-29||+1y", false).unwrap(),
        ms("2025-02-28T00:00:00Z")
    );
    assert_eq!(
        math("2024-03-31||-1M/d", false).unwrap(),
        ms("2024-02-29T00:00:00Z")
    );
    assert_eq!(
        math("2024-01-01||+1w", false).unwrap(),
        ms("2024-01-08T00:00:00Z")
    );
    // `||` dates are never rounded up themselves; only the rounding is.
    assert_eq!(
        math("2024-01-31||/d", true).unwrap(),
        ms("2024-01-31T23:59:59.999Z")
    );
    assert_eq!(
        math("2024-01-31||", true).unwrap(),
        ms("2024-01-31T00:00:00Z")
    );
}

#[test]
fn date_math_in_a_time_zone() {
    // Paris is UTC+2 in May: local midnight is 22:00 UTC the day before.
    assert_eq!(
        math_in("Europe/Paris", "now/d", false),
        ms("2024-05-14T22:00:00Z")
    );
    assert_eq!(
        math_in("+01:00", "now/d", false),
        ms("2024-05-14T23:00:00Z")
    );
    // A day across the spring-forward change is 23 hours long, in local calendar terms.
    assert_eq!(
        math_in("Europe/Paris", "2024-03-30T12:00:00||+1d", false),
        ms("2024-03-31T10:00:00Z")
    );
    assert_eq!(
        math_in("Europe/Paris", "2024-03-30T12:00:00||+24h", false),
        ms("2024-03-31T11:00:00Z")
    );
    // A date naming its own zone keeps it.
    assert_eq!(
        math_in("Europe/Paris", "2024-01-01T00:00:00Z", false),
        ms("2024-01-01T00:00:00Z")
    );
}

#[test]
fn date_math_errors_carry_elasticsearch_messages() {
    let err = |t: &str| math(t, false).unwrap_err().to_string();
    assert_eq!(err("nowé"), "operator not supported for date math [é]");
    assert_eq!(err("now*1d"), "operator not supported for date math [*1d]");
    assert_eq!(err("now+"), "truncated date math [+]");
    assert_eq!(err("now+1"), "truncated date math [+1]");
    assert_eq!(
        err("now-1dé"),
        "operator not supported for date math [-1dé]"
    );
    assert_eq!(err("now+1é"), "unit [é] not supported for date math [+1é]");
    assert_eq!(err("now+1x"), "unit [x] not supported for date math [+1x]");
    assert_eq!(
        err("now/2d"),
        "rounding `/` can only be used on single unit types [/2d]"
    );
    assert_eq!(
        err("now+999999999999y"),
        "For input string: \"999999999999\""
    );
    assert_eq!(err("||+1d"), "cannot parse empty datetime");
    assert!(err("now+9000y").contains("supported range"));
    assert!(err("now-20000y").contains("supported range"));
    assert!(err("2024-01-01||+2147483647M").contains("supported range"));
    let e = math("nowé", false).unwrap_err();
    assert_eq!(crate::ErrorCode::status(&e), 400);
    assert_eq!(crate::ErrorCode::es_type(&e), crate::EsErrorType::Parse);
}

#[test]
fn range_bounds_round_as_elasticsearch() {
    let p = DateMathParser::default();
    // gte: the first millisecond; gt: after the whole (rounded-up) date.
    assert_eq!(
        p.lower_bound("2024-01-31", true, now()).unwrap(),
        ms("2024-01-31T00:00:00Z")
    );
    assert_eq!(
        p.lower_bound("2024-01-31", false, now()).unwrap(),
        ms("2024-02-01T00:00:00Z")
    );
    // lte: up to the last millisecond of the date; lt: before its first.
    assert_eq!(
        p.upper_bound("2024-01-31", true, now()).unwrap(),
        ms("2024-01-31T23:59:59.999Z")
    );
    assert_eq!(
        p.upper_bound("2024-01-31", false, now()).unwrap(),
        ms("2024-01-30T23:59:59.999Z")
    );
    assert_eq!(
        p.upper_bound("now/d", true, now()).unwrap(),
        ms("2024-05-15T23:59:59.999Z")
    );
    assert_eq!(
        p.lower_bound("now/d", false, now()).unwrap(),
        ms("2024-05-16T00:00:00Z")
    );
}

#[test]
fn time_zones() {
    for (id, offset) in [
        ("Z", 0),
        ("UTC", 0),
        ("+01:00", 3600),
        ("-0530", -19_800),
        ("+5", 18_000),
        ("UTC+02:00", 7200),
        ("GMT-03", -10_800),
    ] {
        let tz = parse_time_zone(id).unwrap();
        assert_eq!(tz.to_offset(now()).seconds(), offset, "{id}");
    }
    assert_eq!(
        parse_time_zone("America/New_York")
            .unwrap()
            .to_offset(now())
            .seconds(),
        -4 * 3600
    );
    assert_eq!(
        parse_time_zone("Mars/Base").unwrap_err().to_string(),
        "Unknown time-zone ID: Mars/Base"
    );
    assert!(parse_time_zone("+19:00").is_err());
    assert!(parse_time_zone("a b").is_err());
    assert_eq!(
        crate::ErrorCode::es_type(&parse_time_zone("").unwrap_err()),
        crate::EsErrorType::IllegalArgument
    );
}

#[test]
fn printers() {
    let t = |ms: i64| Timestamp::from_millisecond(ms).unwrap();
    assert_eq!(format_iso_millis(t(0)), "1970-01-01T00:00:00.000Z");
    assert_eq!(format_iso_millis(t(NOW_MS)), "2024-05-15T10:20:30.456Z");
    assert_eq!(format_audit_timestamp(t(0)), "1970-01-01T00:00:00,000+0000");
    assert_eq!(
        format_audit_timestamp(t(1_795_848_052_123)),
        "2026-11-28T06:40:52,123+0000"
    );
    assert_eq!(
        format_iso_millis(t(-62_167_219_200_001)),
        "-0001-12-31T23:59:59.999Z"
    );
    let paris = parse_time_zone("Europe/Paris").unwrap();
    assert_eq!(
        DateFormat::default().format(t(NOW_MS), &paris),
        "2024-05-15T12:20:30.456+02:00"
    );
    assert_eq!(
        DateFormat::new("epoch_millis")
            .unwrap()
            .format(t(NOW_MS), &paris),
        NOW_MS.to_string()
    );
    assert_eq!(
        format_audit_timestamp(timestamp_from_system_time(
            SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_500)
        )),
        "1970-01-01T00:00:01,500+0000"
    );
}

#[test]
fn calendar_rounding_for_histograms() {
    let at = now().to_zoned_datetime(TimeZone::UTC);
    let start = |u: DateUnit| u.round_down(&at).unwrap().timestamp().as_millisecond();
    assert_eq!(start(DateUnit::Week), ms("2024-05-13T00:00:00Z"));
    assert_eq!(start(DateUnit::Month), ms("2024-05-01T00:00:00Z"));
    let next = DateUnit::Month
        .add(&DateUnit::Month.round_down(&at).unwrap(), 1)
        .unwrap();
    assert_eq!(
        next.timestamp().as_millisecond(),
        ms("2024-06-01T00:00:00Z")
    );
    assert!(timestamp_from_millis(i64::MAX).is_err());
    // Before the epoch, milliseconds round down as `Instant.toEpochMilli` does.
    assert_eq!(
        to_epoch_millis(Timestamp::new(-1, 999_999_999).unwrap()),
        -1
    );
    assert_eq!(to_epoch_millis(Timestamp::new(0, -1).unwrap()), -1);
}

/// Strategy: text that looks like dates and date math, plus anything at all.
fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9:T.,+/|ZyMwdhHms-]{0,30}",
        "now[0-9+/*|yMwdhHmsé-]{0,12}",
        "-?[0-9]{1,22}(\\.[0-9]{0,10})?",
        ".{0,40}",
    ]
}

proptest! {
    #[test]
    fn parsers_never_panic(text in date_like(), round_up: bool, tz in prop_oneof![Just("UTC"), Just("Europe/Paris"), Just("-18:00"), Just("+18:00")]) {
        let tz = parse_time_zone(tz).unwrap();
        let p = DateMathParser::new(DateFormat::default(), tz.clone());
        for now in [now(), Timestamp::MAX, Timestamp::MIN] {
            let _ = p.parse(&text, now, round_up);
            let _ = p.lower_bound(&text, round_up, now);
            let _ = p.upper_bound(&text, round_up, now);
        }
        let _ = DateFormat::new(&text);
        let _ = parse_time_zone(&text);
        for f in NamedFormat::ALL {
            let _ = DateFormat::new(f.name()).unwrap().parse(&text, &tz, round_up);
        }
    }

    #[test]
    fn millis_round_trip_through_the_printer(millis in -62_135_596_800_000i64..253_402_300_799_999) {
        let at = timestamp_from_millis(millis).unwrap();
        let text = format_iso_millis(at);
        let back = DateFormat::default().parse(&text, &TimeZone::UTC, false).unwrap();
        prop_assert_eq!(back.as_millisecond(), millis);
        // Four digits (with or without a sign) are a year before they are milliseconds.
        let expected = if millis.unsigned_abs().to_string().len() == 4 {
            ms(&format!("{}{:06}-01-01T00:00:00Z", if millis < 0 { "-" } else { "+" }, millis.unsigned_abs()))
        } else {
            millis
        };
        prop_assert_eq!(
            DateFormat::default().parse(&millis.to_string(), &TimeZone::UTC, false).unwrap().as_millisecond(),
            expected
        );
    }

    #[test]
    fn arithmetic_never_panics(millis in any::<i64>(), amount in any::<i64>(), unit in 0usize..7, tz in prop_oneof![Just("UTC"), Just("Australia/Lord_Howe")]) {
        let unit = [DateUnit::Year, DateUnit::Month, DateUnit::Week, DateUnit::Day, DateUnit::Hour, DateUnit::Minute, DateUnit::Second][unit];
        if let Ok(at) = timestamp_from_millis(millis) {
            let zdt = at.to_zoned_datetime(parse_time_zone(tz).unwrap());
            let _ = unit.add(&zdt, amount);
            let _ = unit.round_down(&zdt);
        }
    }
}
