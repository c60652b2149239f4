//! Elasticsearch dates on `jiff`: the named formats `strict_date_optional_time` and
//! `epoch_millis` (with `||` alternatives), date math as `DateMathParser` evaluates it
//! (`now`, `<date>||`, `+1M`, `-2d`, rounding `/d` with round-up for `gt` and `lte` bounds,
//! calendar arithmetic in a time zone), the bounds a `range` query turns into, calendar
//! rounding for date histograms, time zone ids, and the two printers the node needs (ISO-8601
//! with milliseconds and the audit log's timestamp).
//!
//! Everything is pure: the caller passes "now". Errors carry Elasticsearch's messages. Dates
//! are limited to jiff's years -9999..=9999 (Elasticsearch's `java.time` goes further); a
//! result outside that range is an error, never a panic or a wrapped value.

use std::time::SystemTime;

pub use jiff::Timestamp;
pub use jiff::ZonedDateTime;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;
pub use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span};

use crate::error::{Error, Result};

/// The format of date fields and range queries when none is given.
pub const DEFAULT_FORMAT: &str = "strict_date_optional_time||epoch_millis";

/// A built-in Elasticsearch date format supported here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamedFormat {
    /// `strict_date_optional_time`: `yyyy[-MM[-dd[THH[:mm[:ss[.SSSSSSSSS]]]]]]` and a zone.
    StrictDateOptionalTime,
    /// `strict_date_optional_time_nanos`: the same grammar (nanosecond resolution).
    StrictDateOptionalTimeNanos,
    /// `date_optional_time`: parsed with the strict grammar here.
    DateOptionalTime,
    /// `epoch_millis`: milliseconds since the epoch, with an optional fraction.
    EpochMillis,
    /// `epoch_second`: seconds since the epoch, with an optional fraction.
    EpochSecond,
}

impl NamedFormat {
    /// Every supported format.
    pub const ALL: [NamedFormat; 5] = [
        NamedFormat::StrictDateOptionalTime,
        NamedFormat::StrictDateOptionalTimeNanos,
        NamedFormat::DateOptionalTime,
        NamedFormat::EpochMillis,
        NamedFormat::EpochSecond,
    ];

    /// Elasticsearch's name.
    pub fn name(self) -> &'static str {
        match self {
            NamedFormat::StrictDateOptionalTime => "strict_date_optional_time",
            NamedFormat::StrictDateOptionalTimeNanos => "strict_date_optional_time_nanos",
            NamedFormat::DateOptionalTime => "date_optional_time",
            NamedFormat::EpochMillis => "epoch_millis",
            NamedFormat::EpochSecond => "epoch_second",
        }
    }

    /// The format called `name` (Elasticsearch also accepts the camel-case spellings).
    pub fn from_name(name: &str) -> Option<Self> {
        let name = match name {
            "strictDateOptionalTime" => "strict_date_optional_time",
            "strictDateOptionalTimeNanos" => "strict_date_optional_time_nanos",
            "dateOptionalTime" => "date_optional_time",
            other => other,
        };
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    fn parse(self, text: &str, time_zone: &TimeZone, round_up: bool) -> Option<Timestamp> {
        match self {
            NamedFormat::StrictDateOptionalTime
            | NamedFormat::StrictDateOptionalTimeNanos
            | NamedFormat::DateOptionalTime => parse_iso8601(text, time_zone, round_up),
            NamedFormat::EpochMillis => parse_epoch(text, 1_000_000, 6),
            NamedFormat::EpochSecond => parse_epoch(text, 1_000_000_000, 9),
        }
    }

    fn format(self, at: Timestamp, time_zone: &TimeZone) -> String {
        match self {
            NamedFormat::EpochMillis => to_epoch_millis(at).to_string(),
            NamedFormat::EpochSecond => {
                let millis = to_epoch_millis(at);
                match millis.rem_euclid(1000) {
                    0 => millis.div_euclid(1000).to_string(),
                    frac => format!("{}.{frac:03}", millis.div_euclid(1000)),
                }
            }
            _ => format_iso(&at.to_zoned_datetime(time_zone.clone()), 3),
        }
    }
}

/// A date format: named formats joined with `||`, tried in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    spec: String,
    formats: Vec<NamedFormat>,
}

impl Default for DateFormat {
    /// `strict_date_optional_time||epoch_millis`.
    fn default() -> Self {
        Self {
            spec: DEFAULT_FORMAT.to_string(),
            formats: vec![
                NamedFormat::StrictDateOptionalTime,
                NamedFormat::EpochMillis,
            ],
        }
    }
}

impl DateFormat {
    /// Parses a `format` value (`strict_date_optional_time||epoch_millis`). Custom patterns
    /// (`yyyy-MM-dd`) are not supported and are refused.
    pub fn new(spec: &str) -> Result<Self> {
        let formats = spec
            .split("||")
            .map(|name| {
                NamedFormat::from_name(name.trim()).ok_or_else(|| {
                    Error::DateArgument(format!(
                        "Invalid format: [{spec}]: date format [{name}] is not supported, use one of [{}]",
                        NamedFormat::ALL.map(NamedFormat::name).join(", ")
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            spec: spec.to_string(),
            formats,
        })
    }

    /// The format as written.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// Parses a date (no date math). `time_zone` applies when the text names none;
    /// `round_up` fills missing time fields with their largest value, as Elasticsearch's
    /// round-up parser does for `gt` and `lte` bounds.
    pub fn parse(&self, text: &str, time_zone: &TimeZone, round_up: bool) -> Result<Timestamp> {
        if text.is_empty() {
            return Err(Error::DateParse("cannot parse empty datetime".into()));
        }
        self.formats
            .iter()
            .find_map(|f| f.parse(text, time_zone, round_up))
            .ok_or_else(|| {
                let inner = format!(
                    "failed to parse date field [{text}] with format [{}]",
                    self.spec
                );
                Error::DateParse(format!("{inner}: [{inner}]"))
            })
    }

    /// Prints `at` with the first format of the list.
    pub fn format(&self, at: Timestamp, time_zone: &TimeZone) -> String {
        self.formats
            .first()
            .copied()
            .unwrap_or(NamedFormat::StrictDateOptionalTime)
            .format(at, time_zone)
    }
}

/// A calendar unit of date math and date histograms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateUnit {
    /// `y`
    Year,
    /// `M`
    Month,
    /// `w` (weeks start on Monday)
    Week,
    /// `d`
    Day,
    /// `h` or `H`
    Hour,
    /// `m`
    Minute,
    /// `s`
    Second,
}

impl DateUnit {
    /// The unit of a date math letter.
    pub fn from_date_math(c: char) -> Option<Self> {
        Some(match c {
            'y' => DateUnit::Year,
            'M' => DateUnit::Month,
            'w' => DateUnit::Week,
            'd' => DateUnit::Day,
            'h' | 'H' => DateUnit::Hour,
            'm' => DateUnit::Minute,
            's' => DateUnit::Second,
            _ => return None,
        })
    }

    /// `at` plus `amount` units: calendar arithmetic on the local date-time for years,
    /// months, weeks and days (Feb 29 + 1y is Feb 28), elapsed time for hours and below, as
    /// `ZonedDateTime.plusYears` and `plusHours` do.
    pub fn add(self, at: &ZonedDateTime, amount: i64) -> Result<ZonedDateTime> {
        let span = match self {
            DateUnit::Year => Span::new().try_years(amount),
            DateUnit::Month => Span::new().try_months(amount),
            DateUnit::Week => Span::new().try_weeks(amount),
            DateUnit::Day => Span::new().try_days(amount),
            DateUnit::Hour => Span::new().try_hours(amount),
            DateUnit::Minute => Span::new().try_minutes(amount),
            DateUnit::Second => Span::new().try_seconds(amount),
        };
        span.and_then(|s| at.checked_add(s))
            .map_err(|_| out_of_range())
    }

    /// The start of the unit containing `at` in its time zone (the first of the year at
    /// midnight, Monday of the week, the hour with zero minutes, ...).
    pub fn round_down(self, at: &ZonedDateTime) -> Result<ZonedDateTime> {
        let date = at.date();
        let rounded = match self {
            DateUnit::Year => at
                .with()
                .date(Date::new(date.year(), 1, 1).map_err(|_| out_of_range())?)
                .time(Time::midnight()),
            DateUnit::Month => at
                .with()
                .date(Date::new(date.year(), date.month(), 1).map_err(|_| out_of_range())?)
                .time(Time::midnight()),
            DateUnit::Week => {
                let back = i64::from(date.weekday().to_monday_zero_offset());
                let monday = date
                    .checked_sub(Span::new().days(back))
                    .map_err(|_| out_of_range())?;
                at.with().date(monday).time(Time::midnight())
            }
            DateUnit::Day => at.with().time(Time::midnight()),
            DateUnit::Hour => at.with().minute(0).second(0).subsec_nanosecond(0),
            DateUnit::Minute => at.with().second(0).subsec_nanosecond(0),
            DateUnit::Second => at.with().subsec_nanosecond(0),
        };
        rounded.build().map_err(|_| out_of_range())
    }
}

fn out_of_range() -> Error {
    Error::DateParse("date is outside the supported range of years [-9999, 9999]".into())
}

/// Elasticsearch's `DateMathParser` for one format and time zone.
#[derive(Debug, Clone)]
pub struct DateMathParser {
    format: DateFormat,
    time_zone: TimeZone,
}

impl Default for DateMathParser {
    /// The default format in UTC.
    fn default() -> Self {
        Self::new(DateFormat::default(), TimeZone::UTC)
    }
}

impl DateMathParser {
    /// A parser for dates in `format`, evaluated in `time_zone` (dates that name their own
    /// zone keep it).
    pub fn new(format: DateFormat, time_zone: TimeZone) -> Self {
        Self { format, time_zone }
    }

    /// The format.
    pub fn format(&self) -> &DateFormat {
        &self.format
    }

    /// The time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// Evaluates `text`: `now` or `<date>||` followed by operations, or a plain date.
    /// `round_up` makes `/unit` round to the last millisecond of the unit and fills missing
    /// time fields of a plain date with their largest values.
    pub fn parse(&self, text: &str, now: Timestamp, round_up: bool) -> Result<Timestamp> {
        let (start, math) = if let Some(math) = text.strip_prefix("now") {
            (now, math)
        } else if let Some((date, math)) = text.split_once("||") {
            (self.format.parse(date, &self.time_zone, false)?, math)
        } else {
            return self.format.parse(text, &self.time_zone, round_up);
        };
        apply_math(
            start.to_zoned_datetime(self.time_zone.clone()),
            math,
            round_up,
        )
        .map(|z| z.timestamp())
    }

    /// The epoch-millisecond lower bound of a `range` query (`gte` when `inclusive`, else
    /// `gt`), as `DateFieldType.rangeQuery` computes it: `gt` rounds up, then excludes.
    pub fn lower_bound(&self, text: &str, inclusive: bool, now: Timestamp) -> Result<i64> {
        let at = to_epoch_millis(self.parse(text, now, !inclusive)?);
        Ok(if inclusive { at } else { at.saturating_add(1) })
    }

    /// The epoch-millisecond upper bound of a `range` query (`lte` when `inclusive`, else
    /// `lt`): `lte` rounds up, `lt` rounds down and excludes.
    pub fn upper_bound(&self, text: &str, inclusive: bool, now: Timestamp) -> Result<i64> {
        let at = to_epoch_millis(self.parse(text, now, inclusive)?);
        Ok(if inclusive { at } else { at.saturating_sub(1) })
    }
}

/// `JavaDateMathParser.parseMath`: `+N<unit>`, `-N<unit>` and `/<unit>` in sequence.
fn apply_math(mut at: ZonedDateTime, math: &str, round_up: bool) -> Result<ZonedDateTime> {
    let error = |reason: &str| Error::DateParse(format!("{reason} [{math}]"));
    let mut chars = math.chars().peekable();
    while let Some(op) = chars.next() {
        let (round, sign) = match op {
            '/' => (true, 1i64),
            '+' => (false, 1),
            '-' => (false, -1),
            _ => return Err(error("operator not supported for date math")),
        };
        if chars.peek().is_none() {
            return Err(error("truncated date math"));
        }
        let mut digits = String::new();
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            digits.push(d);
        }
        let amount: i64 = if digits.is_empty() {
            1
        } else {
            if chars.peek().is_none() {
                return Err(error("truncated date math"));
            }
            // Elasticsearch reads the number as a Java `int`.
            digits
                .parse::<i32>()
                .map(i64::from)
                .map_err(|_| Error::DateParse(format!("For input string: \"{digits}\"")))?
        };
        if round && amount != 1 {
            return Err(error("rounding `/` can only be used on single unit types"));
        }
        let Some(unit_char) = chars.next() else {
            return Err(error("truncated date math"));
        };
        let Some(unit) = DateUnit::from_date_math(unit_char) else {
            return Err(Error::DateParse(format!(
                "unit [{unit_char}] not supported for date math [{math}]"
            )));
        };
        if round {
            at = unit.round_down(&at)?;
            if round_up {
                at = unit.add(&at, 1)?;
                at = at
                    .checked_sub(SignedDuration::from_millis(1))
                    .map_err(|_| out_of_range())?;
            }
        } else {
            at = unit.add(&at, sign * amount)?;
        }
    }
    Ok(at)
}

/// `strict_date_optional_time` as Elasticsearch's `Iso8601Parser` reads it: fixed positions,
/// a four-digit year (a leading `-` for years before 1), then optional `-MM`, `-dd`, `T`,
/// `HH`, `:mm`, `:ss`, `.` or `,` and 1-9 fraction digits; a zone (`Z`, `+01:00`, `+0100`,
/// `+01`, `Europe/Paris`) may follow the hour or any later field. Missing fields take the
/// first instant, or with `round_up` the last one of the time given (Elasticsearch's round-up
/// parser keeps month and day at 1 but fills the time with 23:59:59.999999999).
fn parse_iso8601(text: &str, time_zone: &TimeZone, round_up: bool) -> Option<Timestamp> {
    let (negative, s) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let b = s.as_bytes();
    let len = b.len();
    let num = |from: usize, to: usize, max: i32| -> Option<i32> {
        let digits = b.get(from..to)?;
        let value = digits.iter().try_fold(0i32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + i32::from(d - b'0'))
        })?;
        (value <= max).then_some(value)
    };
    let year = num(0, 4, 9999)?;
    let (mut month, mut day) = (1, 1);
    let (mut hour, mut minute, mut second, mut nanos) = if round_up {
        (23, 59, 59, 999_999_999)
    } else {
        (0, 0, 0, 0)
    };
    // Positions below hold ASCII bytes whenever they are compared, so slicing `s` there
    // stays on character boundaries.
    let mut zone_at = None;
    'fields: {
        if len == 4 {
            break 'fields;
        }
        if b[4] != b'-' {
            return None;
        }
        month = num(5, 7, 12)?;
        if len == 7 {
            break 'fields;
        }
        if b[7] != b'-' {
            return None;
        }
        day = num(8, 10, 31)?;
        if len == 10 {
            break 'fields;
        }
        if b[10] != b'T' {
            return None;
        }
        if len == 11 {
            break 'fields;
        }
        hour = num(11, 13, 23)?;
        for (at, next_to, max) in [(13, 16, 59), (16, 19, 59)] {
            if len == at {
                break 'fields;
            }
            if is_zone_start(b[at]) {
                zone_at = Some(at);
                break 'fields;
            }
            if b[at] != b':' {
                return None;
            }
            let value = num(at + 1, next_to, max)?;
            if at == 13 {
                minute = value;
            } else {
                second = value;
            }
        }
        if len == 19 {
            break 'fields;
        }
        if is_zone_start(b[19]) {
            zone_at = Some(19);
            break 'fields;
        }
        if b[19] != b'.' && b[19] != b',' {
            return None;
        }
        let digits = b[20..]
            .iter()
            .take(9)
            .take_while(|d| d.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        nanos = num(20, 20 + digits, i32::MAX)? * 10i32.pow(9 - digits as u32);
        let end = 20 + digits;
        if end == len {
            break 'fields;
        }
        if !is_zone_start(b[end]) {
            return None;
        }
        zone_at = Some(end);
    }
    let zone = match zone_at {
        Some(at) => parse_zone_suffix(&s[at..])?,
        None => time_zone.clone(),
    };
    let year = if negative { -year } else { year };
    let datetime = DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    datetime.to_zoned_datetime(zone).ok().map(|z| z.timestamp())
}

fn is_zone_start(b: u8) -> bool {
    b == b'+' || b == b'-' || b.is_ascii_alphabetic()
}

/// The zone at the end of a date: `Z`, a numeric offset, or a zone id.
fn parse_zone_suffix(text: &str) -> Option<TimeZone> {
    if text == "Z" {
        return Some(TimeZone::UTC);
    }
    if text.starts_with(['+', '-']) {
        return parse_offset(text).map(TimeZone::fixed);
    }
    parse_time_zone(text).ok()
}

/// `+HH`, `+HH:MM`, `+HHMM`, `+HH:MM:SS`, `+HHMMSS` (both separators or neither), at most
/// 18 hours, as `Iso8601Parser.parseZoneId` and `ZoneOffset` accept them.
fn parse_offset(text: &str) -> Option<Offset> {
    let b = text.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let two = |at: usize| -> Option<i32> {
        match b.get(at..at + 2)? {
            [h, l] if h.is_ascii_digit() && l.is_ascii_digit() => {
                Some(i32::from(h - b'0') * 10 + i32::from(l - b'0'))
            }
            _ => None,
        }
    };
    let mut total = two(1)? * 3600;
    let mut at = 3;
    if at < b.len() {
        let colon = b[at] == b':';
        if colon {
            at += 1;
        }
        total += two(at)? * 60;
        at += 2;
        if at < b.len() {
            if (b[at] == b':') != colon {
                return None;
            }
            if colon {
                at += 1;
            }
            total += two(at)?;
            at += 2;
            if at != b.len() {
                return None;
            }
        }
    }
    if total > 18 * 3600 {
        return None;
    }
    Offset::from_seconds(sign * total).ok()
}

/// `epoch_millis` (`unit_nanos` 10^6, at most 6 fraction digits) and `epoch_second` (10^9,
/// 9 digits): an optional `-`, digits, and an optional fraction of the unit.
fn parse_epoch(text: &str, unit_nanos: i128, max_fraction: usize) -> Option<Timestamp> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 19 || !all_digits(int) {
        return None;
    }
    if body.contains('.') && (frac.is_empty() || frac.len() > max_fraction || !all_digits(frac)) {
        return None;
    }
    let whole: i128 = int.parse().ok()?;
    let fraction: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let scale = 10i128.pow(frac.len() as u32);
    let total = whole * unit_nanos + fraction * unit_nanos / scale;
    let total = if negative { -total } else { total };
    let seconds = i64::try_from(total.div_euclid(1_000_000_000)).ok()?;
    let nanos = i32::try_from(total.rem_euclid(1_000_000_000)).ok()?;
    Timestamp::new(seconds, nanos).ok()
}

/// A `time_zone` parameter as `ZoneId.of` reads it: `Z`, `UTC`, an offset (`+01:00`,
/// `-0530`, `+5`), `UTC+01:00`/`GMT-03`, or an IANA id (`Europe/Paris`).
pub fn parse_time_zone(id: &str) -> Result<TimeZone> {
    let unknown = || Error::DateArgument(format!("Unknown time-zone ID: {id}"));
    if id == "Z" {
        return Ok(TimeZone::UTC);
    }
    if id.starts_with(['+', '-']) {
        // `ZoneOffset.of` also takes a one-digit hour (`+5`).
        let normalized = match id.len() {
            2 => format!("{}0{}", &id[..1], &id[1..]),
            _ => id.to_string(),
        };
        return parse_offset(&normalized)
            .map(TimeZone::fixed)
            .ok_or_else(|| {
                Error::DateArgument(format!("Invalid ID for ZoneOffset, invalid format: {id}"))
            });
    }
    for prefix in ["UTC", "GMT", "UT"] {
        if let Some(rest) = id.strip_prefix(prefix)
            && rest.starts_with(['+', '-'])
        {
            return parse_time_zone(rest);
        }
    }
    if id.is_empty()
        || !id.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+' | b'.' | b'~')
        })
    {
        return Err(Error::DateArgument(format!(
            "Invalid ID for region-based ZoneId, invalid format: {id}"
        )));
    }
    TimeZone::get(id).map_err(|_| unknown())
}

/// Milliseconds since the epoch, rounded down as `Instant.toEpochMilli` does (jiff's
/// `as_millisecond` truncates towards zero, which differs before 1970).
pub fn to_epoch_millis(at: Timestamp) -> i64 {
    // jiff's range keeps this well inside i64.
    i64::try_from(at.as_nanosecond().div_euclid(1_000_000)).unwrap_or(i64::MIN)
}

/// The instant `millis` after the epoch, if within the supported years.
pub fn timestamp_from_millis(millis: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(millis).map_err(|_| out_of_range())
}

/// A system time as a timestamp (clamped to the supported range).
pub fn timestamp_from_system_time(at: SystemTime) -> Timestamp {
    Timestamp::try_from(at).unwrap_or_else(|_| {
        if at < SystemTime::UNIX_EPOCH {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        }
    })
}

/// ISO-8601 with `digits` fraction digits and the offset (`Z` for UTC).
fn format_iso(at: &ZonedDateTime, digits: u32) -> String {
    let mut out = String::with_capacity(30);
    push_civil(&mut out, at, '.', digits);
    let offset = at.offset().seconds();
    if offset == 0 {
        out.push('Z');
    } else {
        push_offset(&mut out, offset, true);
    }
    out
}

fn push_civil(out: &mut String, at: &ZonedDateTime, separator: char, digits: u32) {
    use std::fmt::Write;
    let year = at.year();
    // Java prints years before 1 with a sign and years past 9999 with `+`.
    let _ = if year < 0 {
        write!(out, "-{:04}", -i32::from(year))
    } else {
        write!(out, "{year:04}")
    };
    let fraction = at.subsec_nanosecond() / 10i32.pow(9 - digits);
    let _ = write!(
        out,
        "-{:02}-{:02}T{:02}:{:02}:{:02}{separator}{fraction:0width$}",
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        width = digits as usize
    );
}

fn push_offset(out: &mut String, seconds: i32, colon: bool) {
    use std::fmt::Write;
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    let _ = if colon {
        write!(out, "{sign}{:02}:{:02}", s / 3600, (s / 60) % 60)
    } else {
        write!(out, "{sign}{:02}{:02}", s / 3600, (s / 60) % 60)
    };
}

/// Milliseconds since the epoch now (0 if the clock is before 1970).
pub fn now_millis() -> i64 {
    to_epoch_millis(Timestamp::now()).max(0)
}

/// `strict_date_optional_time` with milliseconds in UTC: `2024-01-31T10:00:00.000Z`.
pub fn format_iso_millis(at: Timestamp) -> String {
    format_iso(&at.to_zoned_datetime(TimeZone::UTC), 3)
}

/// The audit log's timestamp, `yyyy-MM-dd'T'HH:mm:ss,SSSZ` in UTC:
/// `2026-11-28T06:40:52,123+0000`.
pub fn format_audit_timestamp(at: Timestamp) -> String {
    let mut out = String::with_capacity(28);
    push_civil(&mut out, &at.to_zoned_datetime(TimeZone::UTC), ',', 3);
    push_offset(&mut out, 0, false);
    out
}

#[cfg(test)]
#[path = "date_tests.rs"]
mod tests;
