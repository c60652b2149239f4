//! Elasticsearch time values (`30s`, `20m`, `500ms`, `1d`, `-1`) parsed exactly as
//! `TimeValue.parseTimeValue(value, settingName)` parses them: the value is lower-cased and
//! trimmed, the unit is one of `nanos`, `micros`, `ms`, `s`, `m`, `h`, `d` (minutes only with a
//! lower-case `m`, because `M` would mean months), `-1` and `0` need no unit, other negative
//! values, fractions and numbers too large for a Java `long` are refused, each with
//! Elasticsearch's message.
//!
//! A [`TimeValue`] keeps its number and unit, like Elasticsearch's, and converts to coarser or
//! finer units saturating at the `i64` bounds as Java's `TimeUnit` does.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

/// The unit of a [`TimeValue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeUnit {
    /// `nanos`
    Nanoseconds,
    /// `micros`
    Microseconds,
    /// `ms`
    Milliseconds,
    /// `s`
    Seconds,
    /// `m`
    Minutes,
    /// `h`
    Hours,
    /// `d`
    Days,
}

impl TimeUnit {
    /// The suffix Elasticsearch writes and reads (`ms`).
    pub fn suffix(self) -> &'static str {
        match self {
            TimeUnit::Nanoseconds => "nanos",
            TimeUnit::Microseconds => "micros",
            TimeUnit::Milliseconds => "ms",
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "m",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "d",
        }
    }

    /// Nanoseconds in one unit.
    fn nanos(self) -> i64 {
        match self {
            TimeUnit::Nanoseconds => 1,
            TimeUnit::Microseconds => 1_000,
            TimeUnit::Milliseconds => 1_000_000,
            TimeUnit::Seconds => 1_000_000_000,
            TimeUnit::Minutes => 60_000_000_000,
            TimeUnit::Hours => 3_600_000_000_000,
            TimeUnit::Days => 86_400_000_000_000,
        }
    }

    /// `duration` of this unit in `target` units, as Java's `TimeUnit.convert`: truncated
    /// towards zero when `target` is coarser, saturated at `i64::MIN`/`MAX` when finer.
    pub fn convert(self, duration: i64, target: TimeUnit) -> i64 {
        let (from, to) = (self.nanos(), target.nanos());
        if from >= to {
            duration.saturating_mul(from / to)
        } else {
            duration / (to / from)
        }
    }
}

/// A duration as Elasticsearch keeps it: a number (`-1` or more) and a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeValue {
    duration: i64,
    unit: TimeUnit,
}

impl TimeValue {
    /// `-1`: "no value" for settings that use it (no timeout, never).
    pub const MINUS_ONE: TimeValue = TimeValue {
        duration: -1,
        unit: TimeUnit::Milliseconds,
    };
    /// `0`.
    pub const ZERO: TimeValue = TimeValue {
        duration: 0,
        unit: TimeUnit::Milliseconds,
    };

    /// `duration` `unit`s; `None` below `-1`, which Elasticsearch refuses.
    pub fn new(duration: i64, unit: TimeUnit) -> Option<Self> {
        (duration >= -1).then_some(Self { duration, unit })
    }

    /// `TimeValue.parseTimeValue(value, setting)`. `setting` names the setting or parameter
    /// in the error messages.
    pub fn parse(value: &str, setting: &str) -> Result<Self> {
        let normalized = java_trim(&value.to_lowercase()).to_string();
        let suffixed = |suffix: &str, unit: TimeUnit| -> Result<Self> {
            let number = &normalized[..normalized.len() - suffix.len()];
            let duration = parse_number(value, java_trim(number), setting)?;
            Ok(Self { duration, unit })
        };
        if normalized.ends_with("nanos") {
            suffixed("nanos", TimeUnit::Nanoseconds)
        } else if normalized.ends_with("micros") {
            suffixed("micros", TimeUnit::Microseconds)
        } else if normalized.ends_with("ms") {
            suffixed("ms", TimeUnit::Milliseconds)
        } else if normalized.ends_with('s') {
            suffixed("s", TimeUnit::Seconds)
        } else if value.ends_with('m') {
            // Case-sensitive on the raw value, as in Elasticsearch: `M` is months, not minutes.
            suffixed("m", TimeUnit::Minutes)
        } else if normalized.ends_with('h') {
            suffixed("h", TimeUnit::Hours)
        } else if normalized.ends_with('d') {
            suffixed("d", TimeUnit::Days)
        } else if is_minus_one(&normalized) {
            Ok(Self::MINUS_ONE)
        } else if !normalized.is_empty() && normalized.bytes().all(|b| b == b'0') {
            Ok(Self::ZERO)
        } else {
            Err(Error::TimeValue {
                setting: setting.to_string(),
                value: value.to_string(),
                reason: format!(
                    "failed to parse setting [{setting}] with value [{value}] as a time value: unit is missing or unrecognized"
                ),
            })
        }
    }

    /// The number as given.
    pub fn duration(self) -> i64 {
        self.duration
    }

    /// The unit as given.
    pub fn unit(self) -> TimeUnit {
        self.unit
    }

    /// Whether this is `-1` (of any unit).
    pub fn is_minus_one(self) -> bool {
        self.duration == -1
    }

    /// In nanoseconds (saturating).
    pub fn nanos(self) -> i64 {
        self.unit.convert(self.duration, TimeUnit::Nanoseconds)
    }

    /// In microseconds (saturating).
    pub fn micros(self) -> i64 {
        self.unit.convert(self.duration, TimeUnit::Microseconds)
    }

    /// In milliseconds (saturating; `-1` stays `-1` for `MINUS_ONE`).
    pub fn millis(self) -> i64 {
        self.unit.convert(self.duration, TimeUnit::Milliseconds)
    }

    /// In whole seconds (truncated).
    pub fn seconds(self) -> i64 {
        self.unit.convert(self.duration, TimeUnit::Seconds)
    }

    /// As a `Duration`; `None` for a negative value (`-1`).
    pub fn to_duration(self) -> Option<Duration> {
        let n = u64::try_from(self.duration).ok()?;
        Some(match self.unit {
            TimeUnit::Nanoseconds => Duration::from_nanos(n),
            TimeUnit::Microseconds => Duration::from_micros(n),
            TimeUnit::Milliseconds => Duration::from_millis(n),
            TimeUnit::Seconds => Duration::from_secs(n),
            TimeUnit::Minutes => Duration::from_secs(n.saturating_mul(60)),
            TimeUnit::Hours => Duration::from_secs(n.saturating_mul(3_600)),
            TimeUnit::Days => Duration::from_secs(n.saturating_mul(86_400)),
        })
    }
}

impl fmt::Display for TimeValue {
    /// The number and unit suffix (`20m`), which [`TimeValue::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::MINUS_ONE {
            return f.write_str("-1");
        }
        write!(f, "{}{}", self.duration, self.unit.suffix())
    }
}

/// Java's `String.trim`: strips characters up to U+0020 (controls included), nothing else.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// `-0*1`.
fn is_minus_one(s: &str) -> bool {
    s.strip_prefix('-')
        .and_then(|rest| rest.strip_suffix('1'))
        .is_some_and(|zeros| zeros.bytes().all(|b| b == b'0'))
}

/// `TimeValue.parse`: a Java `long` of at least `-1`; a fraction, an overflow (which Java's
/// `Double.parseDouble` still reads) and anything else get Elasticsearch's distinct messages.
fn parse_number(initial: &str, number: &str, setting: &str) -> Result<i64> {
    let error = |reason: String| Error::TimeValue {
        setting: setting.to_string(),
        value: initial.to_string(),
        reason,
    };
    match java_parse_long(number) {
        Some(n) if n < -1 => Err(error(format!(
            "failed to parse setting [{setting}] with value [{initial}] as a time value: negative durations are not supported"
        ))),
        Some(n) => Ok(n),
        None if is_java_double(number) => Err(error(format!(
            "failed to parse [{initial}], fractional time values are not supported"
        ))),
        None => Err(error(format!("failed to parse [{initial}]"))),
    }
}

/// `Long.parseLong` on ASCII digits: an optional sign, then at least one digit, within range.
fn java_parse_long(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Rust's parser accepts the same sign-and-digits grammar, and fails on overflow.
    s.parse().ok()
}

/// Whether Java's `Double.parseDouble` reads `s` (already trimmed and lower-cased): an
/// optional sign, decimal digits with an optional point and exponent, or a hexadecimal
/// float with a binary exponent, then an optional `d`/`f` type suffix. (`NaN` and `Infinity`
/// are case-sensitive in Java, so they cannot appear after lower-casing.)
fn is_java_double(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let s = s.strip_suffix(['d', 'f']).unwrap_or(s);
    if let Some(hex) = s.strip_prefix("0x") {
        let Some((mantissa, exponent)) = hex.split_once('p') else {
            return false;
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let hex_digits = |t: &str| t.bytes().all(|b| b.is_ascii_hexdigit());
        return (!int.is_empty() || !frac.is_empty())
            && hex_digits(int)
            && hex_digits(frac)
            && is_signed_digits(exponent);
    }
    let (mantissa, exponent) = match s.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    (!int.is_empty() || !frac.is_empty())
        && digits(int)
        && digits(frac)
        && exponent.is_none_or(is_signed_digits)
}

fn is_signed_digits(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> TimeValue {
        TimeValue::parse(s, "x").unwrap()
    }

    fn err(s: &str) -> String {
        TimeValue::parse(s, "x").unwrap_err().to_string()
    }

    #[test]
    fn units() {
        assert_eq!(ok("10nanos").nanos(), 10);
        assert_eq!(ok("10micros").nanos(), 10_000);
        assert_eq!(ok("500ms").millis(), 500);
        assert_eq!(ok("30s").millis(), 30_000);
        assert_eq!(ok("20m").seconds(), 1200);
        assert_eq!(ok("2h").seconds(), 7200);
        assert_eq!(ok("1d").seconds(), 86_400);
        assert_eq!(ok("1d").to_duration(), Some(Duration::from_secs(86_400)));
        assert_eq!(ok("1500micros").millis(), 1);
        assert_eq!(ok("20m").to_string(), "20m");
    }

    #[test]
    fn lower_cased_and_trimmed_except_minutes() {
        assert_eq!(ok(" 5S ").millis(), 5_000);
        assert_eq!(ok("5D").unit(), TimeUnit::Days);
        assert_eq!(ok("5MS").millis(), 5);
        assert_eq!(ok("5 m").unit(), TimeUnit::Minutes);
        // `M` is months elsewhere in Elasticsearch, so it is not minutes here.
        assert_eq!(
            err("5M"),
            "failed to parse setting [x] with value [5M] as a time value: unit is missing or unrecognized"
        );
    }

    #[test]
    fn minus_one_and_zero_need_no_unit() {
        assert!(ok("-1").is_minus_one());
        assert!(ok("-001").is_minus_one());
        assert_eq!(ok("-1").to_duration(), None);
        assert_eq!(ok("-1").to_string(), "-1");
        assert_eq!(ok("0").millis(), 0);
        assert_eq!(ok("000").millis(), 0);
        assert_eq!(ok("-1s").millis(), -1_000);
        assert_eq!(
            err("10"),
            "failed to parse setting [x] with value [10] as a time value: unit is missing or unrecognized"
        );
        assert!(err("").contains("unit is missing or unrecognized"));
    }

    #[test]
    fn refusals_carry_elasticsearch_messages() {
        assert_eq!(
            err("-2s"),
            "failed to parse setting [x] with value [-2s] as a time value: negative durations are not supported"
        );
        assert_eq!(
            err("1.5h"),
            "failed to parse [1.5h], fractional time values are not supported"
        );
        assert_eq!(
            err("99999999999999999999d"),
            "failed to parse [99999999999999999999d], fractional time values are not supported"
        );
        assert_eq!(err("soons"), "failed to parse [soons]");
        assert_eq!(err("s"), "failed to parse [s]");
        assert_eq!(err("m"), "failed to parse [m]");
        assert_eq!(
            err("1e3s"),
            "failed to parse [1e3s], fractional time values are not supported"
        );
        let e = TimeValue::parse("3w", "expiration").unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to parse setting [expiration] with value [3w] as a time value: unit is missing or unrecognized"
        );
        assert_eq!(
            crate::ErrorCode::es_type(&e),
            crate::EsErrorType::IllegalArgument
        );
    }

    #[test]
    fn conversions_saturate_like_java() {
        let huge = ok("9223372036854775807d");
        assert_eq!(huge.millis(), i64::MAX);
        assert_eq!(huge.nanos(), i64::MAX);
        assert_eq!(huge.to_duration(), Some(Duration::from_secs(u64::MAX)));
        assert_eq!(ok("1999ms").seconds(), 1);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = TimeValue::parse(&s, "x").map(|t| (t.millis(), t.to_duration(), t.to_string()));
        }

        #[test]
        fn display_round_trips(n in 0i64..=i64::MAX, unit in 0usize..7) {
            let unit = [
                TimeUnit::Nanoseconds, TimeUnit::Microseconds, TimeUnit::Milliseconds,
                TimeUnit::Seconds, TimeUnit::Minutes, TimeUnit::Hours, TimeUnit::Days,
            ][unit];
            let t = TimeValue::new(n, unit).unwrap();
            prop_assert_eq!(TimeValue::parse(&t.to_string(), "x").unwrap(), t);
        }
    }
}
