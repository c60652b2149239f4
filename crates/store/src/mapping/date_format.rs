//! The `format` of `date` and `date_nanos` fields: alternatives joined with `||`, each one of
//! Elasticsearch's named formats (read by `ironstack_types::date`) or a Java `DateTimeFormatter`
//! pattern such as `yyyy/MM/dd HH:mm:ss`, which dynamic date detection produces by default.
//! Patterns support the letters dates are written with in practice (`y`/`u` year, `M` month,
//! `d` day, `H` hour, `m` minute, `s` second, `S` fraction, `Z`/`X`/`x` offsets and quoted
//! literals); other letters are refused when the mapping is parsed, never guessed at.

use ironstack_types::date::{DateFormat, NamedFormat, TimeZone, Timestamp};
use jiff::civil::DateTime;
use jiff::tz::Offset;

/// The default format of `date` fields.
pub const DEFAULT_DATE_FORMAT: &str = "strict_date_optional_time||epoch_millis";
/// The default format of `date_nanos` fields.
pub const DEFAULT_DATE_NANOS_FORMAT: &str = "strict_date_optional_time_nanos||epoch_millis";

/// A parsed `format`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDateFormat {
    spec: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Named(DateFormat),
    Pattern(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// `yyyy` (4 to 9 digits) or `yy` (two digits, 2000-2099).
    Year {
        two_digits: bool,
    },
    Month(usize),
    Day(usize),
    Hour(usize),
    Minute(usize),
    Second(usize),
    /// `S` repeated: exactly that many fraction digits.
    Fraction(usize),
    /// `Z` (`+0000`), `ZZZZZ`/`XXX`/`xxx` (`+00:00`), `X`/`XX` (`Z` or `+00[00]`), `x`/`xx`.
    Offset {
        colon: bool,
        z_for_utc: bool,
        minutes_optional: bool,
    },
    Literal(String),
}

impl Default for FieldDateFormat {
    fn default() -> Self {
        // The default spec is made of named formats only, which always parse.
        Self::new(DEFAULT_DATE_FORMAT).unwrap_or_else(|_| Self {
            spec: DEFAULT_DATE_FORMAT.to_string(),
            parts: vec![Part::Named(DateFormat::default())],
        })
    }
}

impl FieldDateFormat {
    /// Reads a `format` value. The error is Elasticsearch's `Invalid format: [..]: <why>`.
    pub fn new(spec: &str) -> Result<Self, String> {
        let parts = spec
            .split("||")
            .map(|part| {
                let trimmed = part.trim();
                if NamedFormat::from_name(trimmed).is_some() {
                    DateFormat::new(trimmed)
                        .map(Part::Named)
                        .map_err(|e| e.to_string())
                } else {
                    parse_pattern(trimmed)
                        .map(Part::Pattern)
                        .map_err(|why| format!("Invalid format: [{spec}]: {why}"))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            spec: spec.to_string(),
            parts,
        })
    }

    /// The format as written.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// Parses a date with the first alternative that accepts it, in UTC unless the text
    /// names a zone. The error is `failed to parse date field [<text>] with format [<spec>]`.
    pub fn parse(&self, text: &str) -> Result<Timestamp, String> {
        let failed = || {
            format!(
                "failed to parse date field [{text}] with format [{}]",
                self.spec
            )
        };
        if text.is_empty() {
            return Err(failed());
        }
        self.parts
            .iter()
            .find_map(|part| match part {
                Part::Named(format) => format.parse(text, &TimeZone::UTC, false).ok(),
                Part::Pattern(tokens) => parse_with(tokens, text),
            })
            .ok_or_else(failed)
    }

    /// Prints `at` in UTC with the first alternative, as `key_as_string` and sort values do.
    pub fn format(&self, at: Timestamp) -> String {
        match self.parts.first() {
            Some(Part::Named(format)) => format.format(at, &TimeZone::UTC),
            Some(Part::Pattern(tokens)) => format_with(tokens, at),
            None => DateFormat::default().format(at, &TimeZone::UTC),
        }
    }
}

fn parse_pattern(pattern: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // Quoted literal; `''` is a quote.
            let mut literal = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(format!(
                            "Pattern ends with an incomplete string literal: {pattern}"
                        ));
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        literal.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(other) => {
                        literal.push(*other);
                        i += 1;
                    }
                }
            }
            if literal.is_empty() {
                literal.push('\'');
            }
            tokens.push(Token::Literal(literal));
            continue;
        }
        if !c.is_ascii_alphabetic() {
            tokens.push(Token::Literal(c.to_string()));
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        i += run;
        tokens.push(match c {
            'y' | 'u' => Token::Year {
                two_digits: run == 2,
            },
            'M' if run <= 2 => Token::Month(run),
            'd' if run <= 2 => Token::Day(run),
            'H' if run <= 2 => Token::Hour(run),
            'm' if run <= 2 => Token::Minute(run),
            's' if run <= 2 => Token::Second(run),
            'S' if run <= 9 => Token::Fraction(run),
            'Z' if run <= 3 => Token::Offset {
                colon: false,
                z_for_utc: false,
                minutes_optional: false,
            },
            'Z' if run == 5 => Token::Offset {
                colon: true,
                z_for_utc: true,
                minutes_optional: false,
            },
            'X' | 'x' if run <= 3 => Token::Offset {
                colon: run == 3,
                z_for_utc: c == 'X',
                minutes_optional: run == 1,
            },
            other => {
                return Err(format!("pattern letter [{other}] is not supported here"));
            }
        });
    }
    Ok(tokens)
}

fn parse_with(tokens: &[Token], text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let mut at = 0usize;
    let digits = |at: &mut usize, min: usize, max: usize| -> Option<i64> {
        let count = b[*at..]
            .iter()
            .take(max)
            .take_while(|d| d.is_ascii_digit())
            .count();
        if count < min {
            return None;
        }
        let value = std::str::from_utf8(&b[*at..*at + count])
            .ok()?
            .parse()
            .ok()?;
        *at += count;
        Some(value)
    };
    let (mut year, mut month, mut day) = (1970i64, 1i64, 1i64);
    let (mut hour, mut minute, mut second, mut nanos) = (0i64, 0i64, 0i64, 0i64);
    let mut offset = 0i32;
    for token in tokens {
        match token {
            Token::Year { two_digits: true } => year = 2000 + digits(&mut at, 2, 2)?,
            Token::Year { two_digits: false } => {
                let negative = b.get(at) == Some(&b'-');
                if negative || b.get(at) == Some(&b'+') {
                    at += 1;
                }
                let value = digits(&mut at, 4, 9)?;
                year = if negative { -value } else { value };
            }
            Token::Month(w) => month = digits(&mut at, *w, 2)?,
            Token::Day(w) => day = digits(&mut at, *w, 2)?,
            Token::Hour(w) => hour = digits(&mut at, *w, 2)?,
            Token::Minute(w) => minute = digits(&mut at, *w, 2)?,
            Token::Second(w) => second = digits(&mut at, *w, 2)?,
            Token::Fraction(w) => {
                let value = digits(&mut at, *w, *w)?;
                nanos = value * 10i64.pow(9 - u32::try_from(*w).ok()?);
            }
            Token::Offset {
                colon,
                z_for_utc,
                minutes_optional,
            } => {
                if *z_for_utc && b.get(at) == Some(&b'Z') {
                    at += 1;
                    offset = 0;
                    continue;
                }
                let sign = match b.get(at)? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                at += 1;
                let hours = digits(&mut at, 2, 2)?;
                let mut minutes = 0;
                let more = b.get(at).is_some_and(|c| c.is_ascii_digit() || *c == b':');
                if !minutes_optional || more {
                    if *colon {
                        if b.get(at) != Some(&b':') {
                            return None;
                        }
                        at += 1;
                    }
                    minutes = digits(&mut at, 2, 2)?;
                }
                offset = sign * i32::try_from(hours * 3600 + minutes * 60).ok()?;
            }
            Token::Literal(literal) => {
                if !text[at..].starts_with(literal.as_str()) {
                    return None;
                }
                at += literal.len();
            }
        }
    }
    if at != b.len() {
        return None;
    }
    let datetime = DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    let zone = TimeZone::fixed(Offset::from_seconds(offset).ok()?);
    datetime.to_zoned_datetime(zone).ok().map(|z| z.timestamp())
}

fn format_with(tokens: &[Token], at: Timestamp) -> String {
    use std::fmt::Write;
    let z = at.to_zoned_datetime(TimeZone::UTC);
    let mut out = String::new();
    for token in tokens {
        let _ = match token {
            Token::Year { two_digits: true } => {
                write!(out, "{:02}", i32::from(z.year()).rem_euclid(100))
            }
            Token::Year { two_digits: false } => write!(out, "{:04}", z.year()),
            Token::Month(w) => write!(out, "{:0w$}", z.month(), w = *w),
            Token::Day(w) => write!(out, "{:0w$}", z.day(), w = *w),
            Token::Hour(w) => write!(out, "{:0w$}", z.hour(), w = *w),
            Token::Minute(w) => write!(out, "{:0w$}", z.minute(), w = *w),
            Token::Second(w) => write!(out, "{:0w$}", z.second(), w = *w),
            Token::Fraction(w) => {
                let digits = format!("{:09}", z.subsec_nanosecond());
                write!(out, "{}", &digits[..(*w).min(9)])
            }
            Token::Offset {
                colon, z_for_utc, ..
            } => {
                if *z_for_utc {
                    write!(out, "Z")
                } else if *colon {
                    write!(out, "+00:00")
                } else {
                    write!(out, "+0000")
                }
            }
            Token::Literal(literal) => write!(out, "{literal}"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use ironstack_types::date::to_epoch_millis;

    use super::*;

    fn millis(format: &str, text: &str) -> Result<i64, String> {
        FieldDateFormat::new(format)?
            .parse(text)
            .map(to_epoch_millis)
    }

    #[test]
    fn named_and_pattern_alternatives() {
        let f = "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis";
        assert_eq!(millis(f, "2015/09/02"), Ok(1_441_152_000_000));
        assert_eq!(millis(f, "2015/09/02 10:11:12"), Ok(1_441_188_672_000));
        assert_eq!(millis(f, "1441152000000"), Ok(1_441_152_000_000));
        assert_eq!(
            millis(f, "2015-09-02"),
            Err("failed to parse date field [2015-09-02] with format [yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis]".into())
        );
        assert_eq!(
            millis(DEFAULT_DATE_FORMAT, "2015-09-02T10:00:00Z"),
            Ok(1_441_188_000_000)
        );
        assert!(millis("yyyy/MM/dd", "2015/9/02").is_err());
        assert!(millis("yyyy/MM/dd", "2015/13/02").is_err());
        assert!(millis("yyyy/MM/dd", "").is_err());
    }

    #[test]
    fn offsets_fractions_and_literals() {
        assert_eq!(
            millis("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2020-01-01T01:00:00.250+0100"),
            Ok(1_577_836_800_250)
        );
        assert_eq!(
            millis("yyyy-MM-dd'T'HH:mm:ssXXX", "2020-01-01T00:00:00Z"),
            Ok(1_577_836_800_000)
        );
        assert_eq!(millis("dd.MM.yy", "02.01.20"), Ok(1_577_923_200_000));
    }

    #[test]
    fn unsupported_letters_are_refused_and_printing_uses_the_first_format() {
        assert_eq!(
            FieldDateFormat::new("EEE yyyy").unwrap_err(),
            "Invalid format: [EEE yyyy]: pattern letter [E] is not supported here"
        );
        assert!(FieldDateFormat::new("'open").is_err());
        let f = FieldDateFormat::new("yyyy/MM/dd HH:mm:ss||epoch_millis").unwrap();
        let at = Timestamp::from_millisecond(1_441_188_672_000).unwrap();
        assert_eq!(f.format(at), "2015/09/02 10:11:12");
        assert_eq!(
            FieldDateFormat::default().format(at),
            "2015-09-02T10:11:12.000Z"
        );
        assert_eq!(FieldDateFormat::default().spec(), DEFAULT_DATE_FORMAT);
    }
}
