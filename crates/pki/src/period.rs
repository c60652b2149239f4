//! Validity periods as the `http` wizard reads them: `5y`, `18M`, `90D`, `1y6m`, `2w`.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A calendar period (years, months, days). Weeks are stored as days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Period {
    /// Whole years.
    pub years: u32,
    /// Whole months.
    pub months: u32,
    /// Whole days.
    pub days: u32,
}

/// The reason Java's `Period.parse` gives for text it cannot read.
const UNPARSEABLE: &str = "Text cannot be parsed to a Period";

impl Period {
    /// A period of `days` days.
    pub const fn days(days: u32) -> Self {
        Self {
            years: 0,
            months: 0,
            days,
        }
    }

    /// A period of `months` months.
    pub const fn months(months: u32) -> Self {
        Self {
            years: 0,
            months,
            days: 0,
        }
    }

    /// A period of `years` years.
    pub const fn years(years: u32) -> Self {
        Self {
            years,
            months: 0,
            days: 0,
        }
    }

    /// Approximate length in days, as the wizard compares against its recommended minimum:
    /// `365*years + 30*months + days`.
    pub fn approx_days(&self) -> u64 {
        365 * u64::from(self.years) + 30 * u64::from(self.months) + u64::from(self.days)
    }

    /// `start` plus this period, with calendar arithmetic (in UTC): years and months first
    /// (clamping to the month's last day, so 2024-01-31 + 1m = 2024-02-29), then days, as
    /// Java's `ZonedDateTime.plus(Period)` does.
    pub fn add_to(&self, start: jiff::Timestamp) -> crate::Result<jiff::Timestamp> {
        let too_long = || Error::InvalidPeriod(format!("the period {self} is too long"));
        let total_months = i64::from(self.years) * 12 + i64::from(self.months);
        let zoned = start.to_zoned_datetime(jiff::tz::TimeZone::UTC);
        let months = jiff::Span::new()
            .try_months(total_months)
            .map_err(|_| too_long())?;
        let days = jiff::Span::new()
            .try_days(i64::from(self.days))
            .map_err(|_| too_long())?;
        let end = zoned
            .checked_add(months)
            .and_then(|z| z.checked_add(days))
            .map_err(|_| too_long())?;
        Ok(end.timestamp())
    }
}

impl FromStr for Period {
    type Err = Error;
    /// Parses like the Elasticsearch wizard: strip commas and white space, prefix `P` unless the
    /// input starts with an upper-case `P`, then read an ISO-8601 period, letters in any case.
    /// The error message is the wizard's reason text.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let cleaned: String = s
            .chars()
            .filter(|c| *c != ',' && !c.is_whitespace())
            .collect();
        let iso = if cleaned.starts_with('P') {
            cleaned
        } else {
            format!("P{cleaned}")
        };
        parse_iso_period(&iso).ok_or_else(|| Error::InvalidPeriod(UNPARSEABLE.to_string()))
    }
}

/// `P[nY][nM][nW][nD]` (letters case-insensitive, units in this order, at least one).
fn parse_iso_period(text: &str) -> Option<Period> {
    let rest = text.strip_prefix(['P', 'p'])?;
    let mut period = Period::default();
    let mut seen_any = false;
    let mut next_unit = 0; // index into "YMWD": units must come in order
    let mut chars = rest.char_indices().peekable();
    while chars.peek().is_some() {
        let start = chars.peek()?.0;
        let mut end = start;
        while let Some((i, c)) = chars.peek().copied() {
            if c.is_ascii_digit() || (i == start && c == '+') {
                chars.next();
                end = i + c.len_utf8();
            } else {
                break;
            }
        }
        let number: u32 = rest[start..end].trim_start_matches('+').parse().ok()?;
        let (_, unit) = chars.next()?;
        let index = "YMWD".find(unit.to_ascii_uppercase())?;
        if index < next_unit {
            return None;
        }
        next_unit = index + 1;
        match index {
            0 => period.years = number,
            1 => period.months = number,
            2 => period.days = period.days.checked_add(number.checked_mul(7)?)?,
            _ => period.days = period.days.checked_add(number)?,
        }
        seen_any = true;
    }
    seen_any.then_some(period)
}

impl fmt::Display for Period {
    /// Lower-case parts joined with commas: `5y`, `1y,6m`, `90d`; zero is `0d`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.years > 0 {
            parts.push(format!("{}y", self.years));
        }
        if self.months > 0 {
            parts.push(format!("{}m", self.months));
        }
        if self.days > 0 {
            parts.push(format!("{}d", self.days));
        }
        if parts.is_empty() {
            return f.write_str("0d");
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(text: &str) -> Period {
        text.parse().unwrap()
    }

    fn ymd(years: u32, months: u32, days: u32) -> Period {
        Period {
            years,
            months,
            days,
        }
    }

    #[test]
    fn parses_the_wizard_forms() {
        assert_eq!(p("5y"), ymd(5, 0, 0));
        assert_eq!(p("18M"), ymd(0, 18, 0));
        assert_eq!(p("90D"), ymd(0, 0, 90));
        assert_eq!(p("1y6m"), ymd(1, 6, 0));
        assert_eq!(p("2w"), ymd(0, 0, 14));
        assert_eq!(p("P1Y"), ymd(1, 0, 0));
        assert_eq!(p("1y,6m"), ymd(1, 6, 0));
        assert_eq!(p(" 1y 2m 1w 3d "), ymd(1, 2, 10));
        assert_eq!(p("0d"), ymd(0, 0, 0));
    }

    #[test]
    fn rejects_what_java_rejects() {
        for text in [
            "abc", "5x", "", "6m1y", "y", "p1y", "P", "1y-", "-1y", "1.5y",
        ] {
            match text.parse::<Period>() {
                Err(Error::InvalidPeriod(reason)) => assert_eq!(reason, UNPARSEABLE, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn displays_lowercase_parts() {
        assert_eq!(ymd(5, 0, 0).to_string(), "5y");
        assert_eq!(ymd(1, 6, 0).to_string(), "1y,6m");
        assert_eq!(ymd(0, 0, 90).to_string(), "90d");
        assert_eq!(ymd(0, 0, 0).to_string(), "0d");
        assert_eq!(p("2w").to_string(), "14d");
        assert_eq!(ymd(2, 0, 0).approx_days(), 730);
        assert_eq!(Period::days(3), ymd(0, 0, 3));
    }

    #[test]
    fn adds_with_calendar_arithmetic() {
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        assert_eq!(
            p("1m").add_to(at("2024-01-31T10:00:00Z")).unwrap(),
            at("2024-02-29T10:00:00Z")
        );
        assert_eq!(
            p("1y").add_to(at("2024-02-29T00:00:00Z")).unwrap(),
            at("2025-02-28T00:00:00Z")
        );
        assert_eq!(
            p("1y6m").add_to(at("2023-08-31T00:00:00Z")).unwrap(),
            at("2025-02-28T00:00:00Z")
        );
        assert_eq!(
            p("90d").add_to(at("2024-01-01T00:00:00Z")).unwrap(),
            at("2024-03-31T00:00:00Z")
        );
        assert!(matches!(
            ymd(20_000, 0, 0).add_to(at("2024-01-01T00:00:00Z")),
            Err(Error::InvalidPeriod(_))
        ));
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(years in 0u32..200, months in 0u32..200, days in 0u32..10_000) {
            let period = ymd(years, months, days);
            prop_assert_eq!(p(&period.to_string()), period);
        }
    }
}
