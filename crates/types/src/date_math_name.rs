//! Date math index names (`<logs-{now/d}>`, `<logs-{now/M{yyyy.MM}}>`,
//! `<logs-{now/d{yyyy.MM.dd|+12:00}}>`), resolved as `DateMathExpressionResolver` does, and
//! the Java `DateTimeFormatter` patterns those names and data stream backing indices print
//! dates with (`uuuu.MM.dd` by default).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::date::{DateMathParser, parse_time_zone};
use crate::error::{Error, Result};

/// The pattern a placeholder without `{format}` prints with.
pub const DEFAULT_PATTERN: &str = "uuuu.MM.dd";

/// Resolves one index expression: `<...>` is a date math name evaluated at `now`; anything
/// else is returned unchanged. Errors are Elasticsearch's `parse_exception` texts.
pub fn resolve(expression: &str, now: Timestamp) -> Result<String> {
    let Some(inner) = expression
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
    else {
        return Ok(expression.to_string());
    };
    let chars: Vec<char> = inner.chars().collect();
    let mut out = String::new();
    let mut placeholder = String::new();
    let mut in_placeholder = false;
    let mut in_format = false;
    let mut escape = false;
    for (offset, &c) in chars.iter().enumerate() {
        // Positions count from the `<`, as Elasticsearch's do.
        let position = offset + 1;
        let escaped = std::mem::take(&mut escape);
        if c == '\\' {
            if escaped {
                out.push(c);
            } else {
                escape = true;
            }
            continue;
        }
        if in_placeholder {
            match c {
                '{' if in_format && escaped => placeholder.push(c),
                '{' if !in_format => {
                    in_format = true;
                    placeholder.push(c);
                }
                '{' => {
                    return Err(parse_error(format!(
                        "invalid dynamic name expression [{inner}]. invalid character in placeholder at position [{position}]"
                    )));
                }
                '}' if in_format && escaped => placeholder.push(c),
                '}' if in_format => {
                    in_format = false;
                    placeholder.push(c);
                }
                '}' => {
                    out.push_str(&evaluate_placeholder(&placeholder, now)?);
                    placeholder.clear();
                    in_placeholder = false;
                }
                _ => placeholder.push(c),
            }
        } else {
            match c {
                '{' if !escaped => in_placeholder = true,
                '}' if !escaped => {
                    return Err(parse_error(format!(
                        "invalid dynamic name expression [{inner}]. invalid character at position [{position}]. `{{` and `}}` are reserved characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{{text\\}}`)"
                    )));
                }
                _ => out.push(c),
            }
        }
    }
    if in_placeholder {
        return Err(parse_error(format!(
            "invalid dynamic name expression [{inner}]. date math placeholder is open ended"
        )));
    }
    if out.is_empty() {
        return Err(parse_error("nothing captured".to_string()));
    }
    Ok(out)
}

/// One `{math{format|zone}}` placeholder's text (without its outer braces).
fn evaluate_placeholder(placeholder: &str, now: Timestamp) -> Result<String> {
    let (math, pattern, zone) = match placeholder.find('{') {
        None => (placeholder, DEFAULT_PATTERN, TimeZone::UTC),
        Some(open) => {
            if !placeholder.ends_with('}') {
                return Err(parse_error(format!(
                    "invalid dynamic name expression [{placeholder}]. missing closing `}}` for date math format"
                )));
            }
            if open + 2 == placeholder.len() {
                return Err(parse_error(format!(
                    "invalid dynamic name expression [{placeholder}]. missing date format"
                )));
            }
            let spec = &placeholder[open + 1..placeholder.len() - 1];
            let (pattern, zone) = match spec.split_once('|') {
                Some((pattern, zone)) => (pattern, parse_time_zone(zone)?),
                None => (spec, TimeZone::UTC),
            };
            (&placeholder[..open], pattern, zone)
        }
    };
    let printer = JavaPattern::new(pattern)?;
    let parser = DateMathParser::new(Default::default(), zone.clone());
    let at = parser.parse(math, now, false)?;
    Ok(printer.format(at, &zone))
}

fn parse_error(reason: String) -> Error {
    Error::DateParse(reason)
}

/// A Java `DateTimeFormatter` pattern for printing: years (`y`, `u`), months (`M`, `MMM`),
/// days, hours, minutes, seconds, fractions (`S`), quoted literals and punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaPattern {
    parts: Vec<PatternPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternPart {
    Literal(String),
    Field(char, usize),
}

impl JavaPattern {
    /// Parses `pattern`; letters it cannot print are refused with Elasticsearch's message.
    pub fn new(pattern: &str) -> Result<Self> {
        let mut parts = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                let mut literal = String::new();
                loop {
                    match chars.next() {
                        None => {
                            return Err(Error::InvalidParameter(format!(
                                "Invalid format: [{pattern}]: Pattern ends with an incomplete string literal: {pattern}"
                            )));
                        }
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            literal.push('\'');
                        }
                        Some('\'') => break,
                        Some(other) => literal.push(other),
                    }
                }
                if literal.is_empty() {
                    literal.push('\'');
                }
                parts.push(PatternPart::Literal(literal));
            } else if c.is_ascii_alphabetic() {
                if !matches!(c, 'y' | 'u' | 'M' | 'd' | 'H' | 'm' | 's' | 'S') {
                    return Err(Error::InvalidParameter(format!(
                        "Invalid format: [{pattern}]: Unknown pattern letter: {c}"
                    )));
                }
                let mut width = 1;
                while chars.peek() == Some(&c) {
                    chars.next();
                    width += 1;
                }
                parts.push(PatternPart::Field(c, width));
            } else {
                parts.push(PatternPart::Literal(c.to_string()));
            }
        }
        Ok(Self { parts })
    }

    /// Prints `at` in `zone`.
    pub fn format(&self, at: Timestamp, zone: &TimeZone) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let z = at.to_zoned_datetime(zone.clone());
        let mut out = String::new();
        for part in &self.parts {
            match part {
                PatternPart::Literal(text) => out.push_str(text),
                PatternPart::Field(letter, width) => {
                    let width = *width;
                    match letter {
                        'y' | 'u' if width == 2 => {
                            out.push_str(&format!("{:02}", i32::from(z.year()).rem_euclid(100)))
                        }
                        'y' | 'u' => out.push_str(&format!("{:0width$}", z.year())),
                        'M' if width >= 3 => {
                            let name = MONTHS[usize::from(z.month().unsigned_abs()) - 1];
                            out.push_str(name);
                        }
                        'M' => out.push_str(&format!("{:0width$}", z.month())),
                        'd' => out.push_str(&format!("{:0width$}", z.day())),
                        'H' => out.push_str(&format!("{:0width$}", z.hour())),
                        'm' => out.push_str(&format!("{:0width$}", z.minute())),
                        's' => out.push_str(&format!("{:0width$}", z.second())),
                        _ => {
                            let nanos = format!("{:09}", z.subsec_nanosecond());
                            out.push_str(&nanos[..width.min(9)]);
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "date_math_name_tests.rs"]
mod tests;
