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

impl Period {
    /// A period of `days` days.
    pub fn days(days: u32) -> Self {
        Self {
            days,
            ..Self::default()
        }
    }

    /// Approximate length in days, as the wizard compares against its recommended minimum:
    /// `365*years + 30*months + days`.
    pub fn approx_days(&self) -> u64 {
        365 * u64::from(self.years) + 30 * u64::from(self.months) + u64::from(self.days)
    }

    /// `start` plus this period, with calendar arithmetic (in UTC).
    pub fn add_to(&self, start: jiff::Timestamp) -> crate::Result<jiff::Timestamp> {
        todo!("{start}")
    }
}

impl FromStr for Period {
    type Err = Error;
    /// Parses like the Elasticsearch wizard: strip commas and white space, prefix `P` unless the
    /// input starts with an upper-case `P`, then read an ISO-8601 period, letters in any case.
    /// The error message is the wizard's reason text.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        todo!("{s}")
    }
}

impl fmt::Display for Period {
    /// Lower-case parts joined with commas: `5y`, `1y,6m`, `90d`; zero is `0d`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("{:?}", f.alternate())
    }
}
