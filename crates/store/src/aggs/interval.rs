//! Date histogram intervals as Elasticsearch reads them (`calendar_interval` single units,
//! `fixed_interval` time values) and the rounding of a timestamp to its bucket key: calendar
//! units in the local time of `time_zone`, fixed intervals counted from the epoch in local
//! time, `offset` applied around the time zone rounding as `Rounding.offset` does. A rounding
//! remembers its last bucket, so documents close in time (most of them, in index order) cost
//! two comparisons.

use ironstack_types::TimeValue;
use ironstack_types::date::{TimeZone, Timestamp, parse_time_zone};
use jiff::Span;
use jiff::ZonedDateTime as Zoned;
use jiff::civil::{Date, DateTime, Time};

use crate::StoreError;

/// A calendar unit of `calendar_interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarUnit {
    /// `second`, `1s`.
    Second,
    /// `minute`, `1m`.
    Minute,
    /// `hour`, `1h`.
    Hour,
    /// `day`, `1d`.
    Day,
    /// `week`, `1w` (weeks start on Monday).
    Week,
    /// `month`, `1M`.
    Month,
    /// `quarter`, `1q`.
    Quarter,
    /// `year`, `1y`.
    Year,
}

impl CalendarUnit {
    /// `DateHistogramAggregationBuilder.DATE_FIELD_UNITS`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "second" | "1s" => CalendarUnit::Second,
            "minute" | "1m" => CalendarUnit::Minute,
            "hour" | "1h" => CalendarUnit::Hour,
            "day" | "1d" => CalendarUnit::Day,
            "week" | "1w" => CalendarUnit::Week,
            "month" | "1M" => CalendarUnit::Month,
            "quarter" | "1q" => CalendarUnit::Quarter,
            "year" | "1y" => CalendarUnit::Year,
            _ => return None,
        })
    }

    /// Its length when it has a fixed one (`derivative`'s `unit` and fixed-length units).
    pub fn fixed_millis(self) -> Option<i64> {
        match self {
            CalendarUnit::Second => Some(1_000),
            CalendarUnit::Minute => Some(60_000),
            CalendarUnit::Hour => Some(3_600_000),
            CalendarUnit::Day => Some(86_400_000),
            CalendarUnit::Week => Some(7 * 86_400_000),
            _ => None,
        }
    }
}

/// A date histogram interval.
#[derive(Debug, Clone, PartialEq)]
pub enum DateInterval {
    /// `calendar_interval`.
    Calendar(CalendarUnit),
    /// `fixed_interval`, in milliseconds, with the text given.
    Fixed(i64, String),
}

impl DateInterval {
    /// `calendar_interval`: single units only.
    pub fn calendar(text: &str) -> Result<Self, StoreError> {
        CalendarUnit::parse(text)
            .map(DateInterval::Calendar)
            .ok_or_else(|| {
                StoreError::IllegalArgument(format!(
                    "The supplied interval [{text}] could not be parsed as a calendar interval."
                ))
            })
    }

    /// `fixed_interval`: a time value (`30s`, `1h`, `2d`), as `TimeValue.parseTimeValue`
    /// reads `date_histogram.fixedInterval`.
    pub fn fixed(text: &str) -> Result<Self, StoreError> {
        let value = TimeValue::parse(text, "date_histogram.fixedInterval")
            .map_err(|e| StoreError::Parse(e.to_string()))?;
        Ok(DateInterval::Fixed(value.millis(), text.to_string()))
    }
}

/// A time zone parameter: `ZoneId.of` semantics, Elasticsearch's message when unknown.
pub(crate) fn time_zone(text: Option<&str>) -> Result<TimeZone, StoreError> {
    match text {
        None => Ok(TimeZone::UTC),
        Some(t) => parse_time_zone(t).map_err(|e| StoreError::IllegalArgument(e.to_string())),
    }
}

/// The offset in milliseconds of a zone that never changes (`+01:00`, `UTC`), `None` for a
/// zone with transitions.
fn fixed_offset(tz: &TimeZone) -> Option<i64> {
    tz.to_fixed_offset()
        .ok()
        .map(|o| i64::from(o.seconds()) * 1000)
}

/// The rounding of a date histogram: interval, time zone and offset.
#[derive(Debug, Clone)]
pub struct DateRounding {
    interval: DateInterval,
    tz: TimeZone,
    fixed_tz: Option<i64>,
    offset: i64,
    /// `[start, end)` of the last bucket seen, in offset-shifted time, and its key.
    cache: Option<(i64, i64, i64)>,
}

impl DateRounding {
    /// A rounding; a zero or negative fixed interval is refused as Elasticsearch refuses it.
    pub fn new(interval: DateInterval, tz: TimeZone, offset: i64) -> Result<Self, StoreError> {
        if let DateInterval::Fixed(ms, _) = interval
            && ms < 1
        {
            return Err(StoreError::IllegalArgument(
                "Zero or negative time interval not supported".into(),
            ));
        }
        let fixed_tz = fixed_offset(&tz);
        Ok(Self {
            interval,
            tz,
            fixed_tz,
            offset,
            cache: None,
        })
    }

    /// The time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The key of the bucket holding `millis` (UTC epoch ms).
    #[inline]
    pub fn round(&mut self, millis: i64) -> i64 {
        let shifted = millis.saturating_sub(self.offset);
        if let Some((start, end, key)) = self.cache
            && shifted >= start
            && shifted < end
        {
            return key;
        }
        let start = self.round_shifted(shifted);
        let end = self.next_shifted(start);
        let key = start.saturating_add(self.offset);
        if end > start {
            self.cache = Some((start, end, key));
        }
        key
    }

    /// The key of the bucket holding `millis`, with the `[from, to)` epoch ms that bucket
    /// spans (`to <= from` when that is not known): a caller can key further values
    /// inside the span without rounding them.
    #[inline]
    pub fn round_span(&mut self, millis: i64) -> (i64, i64, i64) {
        let key = self.round(millis);
        match self.cache {
            Some((start, end, k)) if k == key => (
                key,
                start.saturating_add(self.offset),
                end.saturating_add(self.offset),
            ),
            _ => (key, 0, 0),
        }
    }

    /// The key after `key` (for the empty buckets of `min_doc_count: 0`).
    pub fn next_key(&self, key: i64) -> i64 {
        let shifted = key.saturating_sub(self.offset);
        self.next_shifted(self.round_shifted(shifted))
            .saturating_add(self.offset)
    }

    fn round_shifted(&self, millis: i64) -> i64 {
        match (&self.interval, self.fixed_tz) {
            (DateInterval::Fixed(interval, _), Some(tz)) => {
                let local = millis.saturating_add(tz);
                local.div_euclid(*interval).saturating_mul(*interval) - tz
            }
            (DateInterval::Calendar(unit), Some(tz)) if unit.fixed_millis().is_some() => {
                let len = unit.fixed_millis().unwrap_or(1);
                let local = millis.saturating_add(tz);
                if *unit == CalendarUnit::Week {
                    // The epoch was a Thursday; weeks start on Monday, three days later.
                    let monday = 3 * 86_400_000;
                    (local - monday).div_euclid(len) * len + monday - tz
                } else {
                    local.div_euclid(len) * len - tz
                }
            }
            _ => self.round_zoned(millis).unwrap_or(millis),
        }
    }

    fn next_shifted(&self, start: i64) -> i64 {
        match (&self.interval, self.fixed_tz) {
            (DateInterval::Fixed(interval, _), Some(_)) => start.saturating_add(*interval),
            (DateInterval::Calendar(unit), Some(_)) if unit.fixed_millis().is_some() => {
                start.saturating_add(unit.fixed_millis().unwrap_or(1))
            }
            _ => self.next_zoned(start).unwrap_or(i64::MAX),
        }
    }

    fn zoned(&self, millis: i64) -> Option<Zoned> {
        Timestamp::from_millisecond(millis)
            .ok()
            .map(|t| t.to_zoned_datetime(self.tz.clone()))
    }

    fn to_utc(&self, local: DateTime) -> Option<i64> {
        local
            .to_zoned_datetime(self.tz.clone())
            .ok()
            .map(|z| z.timestamp().as_millisecond())
    }

    fn round_zoned(&self, millis: i64) -> Option<i64> {
        let z = self.zoned(millis)?;
        let local = z.datetime();
        let date = local.date();
        let rounded = match &self.interval {
            DateInterval::Fixed(interval, _) => {
                // Counted from the epoch in local time, as `TimeIntervalRounding` does for
                // zones with transitions.
                let offset = i64::from(z.offset().seconds()) * 1000;
                let local_ms = millis.saturating_add(offset);
                let rounded_local = local_ms.div_euclid(*interval) * interval;
                let candidate = rounded_local - offset;
                let civil = Timestamp::from_millisecond(rounded_local)
                    .ok()?
                    .to_zoned_datetime(TimeZone::UTC)
                    .datetime();
                let utc = self.to_utc(civil).unwrap_or(candidate);
                return Some(if utc > millis { candidate } else { utc });
            }
            DateInterval::Calendar(unit) => match unit {
                CalendarUnit::Second => local.with().subsec_nanosecond(0).build().ok()?,
                CalendarUnit::Minute => local.with().second(0).subsec_nanosecond(0).build().ok()?,
                CalendarUnit::Hour => local
                    .with()
                    .minute(0)
                    .second(0)
                    .subsec_nanosecond(0)
                    .build()
                    .ok()?,
                CalendarUnit::Day => date.to_datetime(Time::midnight()),
                CalendarUnit::Week => {
                    let back = i64::from(date.weekday().to_monday_zero_offset());
                    date.checked_sub(Span::new().days(back))
                        .ok()?
                        .to_datetime(Time::midnight())
                }
                CalendarUnit::Month => Date::new(date.year(), date.month(), 1)
                    .ok()?
                    .to_datetime(Time::midnight()),
                CalendarUnit::Quarter => {
                    let month = (date.month() - 1) / 3 * 3 + 1;
                    Date::new(date.year(), month, 1)
                        .ok()?
                        .to_datetime(Time::midnight())
                }
                CalendarUnit::Year => Date::new(date.year(), 1, 1)
                    .ok()?
                    .to_datetime(Time::midnight()),
            },
        };
        self.to_utc(rounded)
    }

    fn next_zoned(&self, start: i64) -> Option<i64> {
        match &self.interval {
            DateInterval::Fixed(interval, _) => Some(start.saturating_add(*interval)),
            DateInterval::Calendar(unit) => {
                let z = self.zoned(start)?;
                let span = match unit {
                    CalendarUnit::Second => Span::new().seconds(1),
                    CalendarUnit::Minute => Span::new().minutes(1),
                    CalendarUnit::Hour => Span::new().hours(1),
                    CalendarUnit::Day => Span::new().days(1),
                    CalendarUnit::Week => Span::new().weeks(1),
                    CalendarUnit::Month => Span::new().months(1),
                    CalendarUnit::Quarter => Span::new().months(3),
                    CalendarUnit::Year => Span::new().years(1),
                };
                let next = z.checked_add(span).ok()?;
                // Round the result again: adding a day across a transition may land off
                // midnight.
                let next_ms = next.timestamp().as_millisecond();
                let rounded = self.round_zoned(next_ms)?;
                Some(if rounded > start { rounded } else { next_ms })
            }
        }
    }
}
