//! One JSON value read as a field type reads it: numbers with `coerce` (strings accepted,
//! fractions truncated for integer types) and each type's range and precision, dates through
//! the field's format, IPs as IPv4-mapped IPv6, booleans, keywords with `ignore_above` and the
//! normalizer. The failures carry the exception Elasticsearch's parser raises underneath its
//! `failed to parse field [..]` (`number_format_exception`, `illegal_argument_exception`, or a
//! Jackson-level `x_content_parse_exception`), so the document error can name it as its cause.

use std::net::IpAddr;

use ironstack_types::date::to_epoch_millis;
use serde_json::{Number, Value};

use super::field::{DefResult, FieldMapping, FieldType, Invalid};
use super::java_text;
use crate::document::{DateValue, IndexedValue};

/// Lucene refuses terms longer than this many UTF-8 bytes.
const MAX_TERM_BYTES: usize = 32766;

/// The latest instant a `date_nanos` field holds.
const MAX_NANOS_TEXT: &str = "2262-04-11T23:47:16.854775807";

/// What one value became.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Converted {
    /// A value to index.
    Value(IndexedValue),
    /// Nothing to index (a null without `null_value`).
    Nothing,
    /// Skipped by `ignore_above`: listed in `_ignored`.
    IgnoredAbove,
}

/// Where a failure's text wants the failing token's location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Located {
    /// Not at all.
    No,
    /// As a `[line:col] ` prefix (Jackson errors wrapped in `XContentParseException`).
    Prefix,
    /// `Expected text at <line:col> but found <token>`.
    ExpectedText(&'static str),
}

/// Why a value does not fit its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueError {
    /// The underlying exception's type.
    pub(crate) cause_type: &'static str,
    /// Its text (without location).
    pub(crate) reason: String,
    /// How the location goes into the text.
    pub(crate) located: Located,
    /// Whether `ignore_malformed` may skip the value instead.
    pub(crate) ignorable: bool,
}

impl ValueError {
    fn argument(reason: impl Into<String>) -> Self {
        Self {
            cause_type: "illegal_argument_exception",
            reason: reason.into(),
            located: Located::No,
            ignorable: true,
        }
    }

    fn number_format(text: &str) -> Self {
        Self {
            cause_type: "number_format_exception",
            reason: format!("For input string: \"{text}\""),
            located: Located::No,
            ignorable: true,
        }
    }

    fn token(reason: impl Into<String>) -> Self {
        Self {
            cause_type: "x_content_parse_exception",
            reason: reason.into(),
            located: Located::Prefix,
            ignorable: true,
        }
    }

    fn not_text(token: &'static str) -> Self {
        Self {
            cause_type: "illegal_argument_exception",
            reason: String::new(),
            located: Located::ExpectedText(token),
            ignorable: true,
        }
    }

    /// The text with the location (`line:col`) put where Elasticsearch puts it.
    pub(crate) fn text(&self, location: Option<(usize, usize)>) -> String {
        match (self.located, location) {
            (Located::No, _) | (Located::Prefix, None) => self.reason.clone(),
            (Located::Prefix, Some((l, c))) => format!("[{l}:{c}] {}", self.reason),
            (Located::ExpectedText(token), Some((l, c))) => {
                format!("Expected text at {l}:{c} but found {token}")
            }
            (Located::ExpectedText(token), None) => format!("Expected text but found {token}"),
        }
    }
}

/// Jackson's name for the token a value starts with.
pub(crate) fn token_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// Reads one value (a scalar, or an object given to a leaf field) for `field` at `path`.
/// `coerce` is the effective `coerce` (the field's, else `index.mapping.coerce`).
pub(crate) fn convert(
    field: &FieldMapping,
    path: &str,
    value: &Value,
    coerce: bool,
) -> Result<Converted, ValueError> {
    if value.is_null() || (is_empty_string(value) && field.field_type.is_numeric()) {
        // Numbers treat "" as null, as `NumberFieldMapper` does.
        return match &field.null_value {
            Some(null_value) if !null_value.is_null() => convert(field, path, null_value, true),
            _ => Ok(Converted::Nothing),
        };
    }
    let t = field.field_type;
    let indexed = match t {
        FieldType::Keyword | FieldType::Flattened => {
            let text = text_of(value)?;
            if let Some(limit) = field.ignore_above
                && java_text::utf16_len(&text) > limit as usize
            {
                return Ok(Converted::IgnoredAbove);
            }
            let text = match field.normalizer {
                Some(normalizer) => normalizer.apply(&text),
                None => text,
            };
            if text.len() > MAX_TERM_BYTES {
                let prefix: Vec<String> = text
                    .bytes()
                    .take(10)
                    .map(|b| (b as i8).to_string())
                    .collect();
                return Err(ValueError {
                    ignorable: false,
                    ..ValueError::argument(format!(
                        "Document contains at least one immense term in field=\"{path}\" (whose UTF8 \
                         encoding is longer than the max length {MAX_TERM_BYTES}), all of which were \
                         skipped. Please correct the analyzer to not produce such terms. The prefix \
                         of the first immense term is: '[{}]...'",
                        prefix.join(", ")
                    ))
                });
            }
            IndexedValue::Keyword(text)
        }
        FieldType::Text | FieldType::MatchOnlyText => IndexedValue::Text(text_of(value)?),
        FieldType::Long => IndexedValue::Long(to_long(value, coerce)?),
        FieldType::Integer | FieldType::Short | FieldType::Byte => {
            let v = to_int(value, coerce)?;
            let (low, high, name) = match t {
                FieldType::Short => (i64::from(i16::MIN), i64::from(i16::MAX), "a short"),
                FieldType::Byte => (i64::from(i8::MIN), i64::from(i8::MAX), "a byte"),
                _ => (i64::from(i32::MIN), i64::from(i32::MAX), "an integer"),
            };
            if v < low || v > high {
                return Err(ValueError::argument(format!(
                    "Value [{v}] is out of range for {name}"
                )));
            }
            IndexedValue::Long(v)
        }
        FieldType::Float | FieldType::HalfFloat => {
            let f = to_f32(value, coerce)?;
            let stored = if t == FieldType::HalfFloat {
                half_precision(f)
            } else {
                f
            };
            if !stored.is_finite() {
                return Err(ValueError::argument(format!(
                    "[{}] supports only finite values, but got [{}]",
                    t.name(),
                    java_text::float(f)
                )));
            }
            IndexedValue::Double(f64::from(stored))
        }
        FieldType::Double => {
            let d = to_f64(value, coerce, "Double")?;
            if !d.is_finite() {
                return Err(ValueError::argument(format!(
                    "[double] supports only finite values, but got [{}]",
                    java_text::double(d)
                )));
            }
            IndexedValue::Double(d)
        }
        FieldType::ScaledFloat => {
            let d = to_f64(value, coerce, "Double")?;
            if !d.is_finite() {
                return Err(ValueError::argument(format!(
                    "[scaled_float] only supports finite values, but got [{}]",
                    java_text::double(d)
                )));
            }
            let factor = field.scaling_factor.unwrap_or(1.0);
            // `Math.round`: half up, saturating at the long bounds.
            IndexedValue::Long((d * factor + 0.5).floor() as i64)
        }
        FieldType::UnsignedLong => IndexedValue::UnsignedLong(to_unsigned(value)?),
        FieldType::Boolean => IndexedValue::Boolean(to_bool(value)?),
        FieldType::Date | FieldType::DateNanos => {
            let text = text_of(value)?;
            let at = field
                .date_format()
                .parse(&text)
                .map_err(ValueError::argument)?;
            if t == FieldType::Date {
                IndexedValue::Date(DateValue::Millis(to_epoch_millis(at)))
            } else {
                let nanos = at.as_nanosecond();
                if nanos < 0 {
                    return Err(ValueError::argument(format!(
                        "date[{at}] is before the epoch in 1970 and cannot be stored in nanosecond resolution"
                    )));
                }
                let nanos = i64::try_from(nanos).map_err(|_| {
                    ValueError::argument(format!(
                        "date[{at}] is after {MAX_NANOS_TEXT} and cannot be stored in nanosecond resolution"
                    ))
                })?;
                IndexedValue::Date(DateValue::Nanos(nanos))
            }
        }
        FieldType::Ip => {
            let text = text_of(value)?;
            let ip: IpAddr = text.parse().map_err(|_| {
                ValueError::argument(format!("'{text}' is not an IP string literal."))
            })?;
            IndexedValue::Ip(match ip {
                IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                IpAddr::V6(v6) => v6,
            })
        }
    };
    Ok(Converted::Value(indexed))
}

fn is_empty_string(value: &Value) -> bool {
    matches!(value, Value::String(s) if s.is_empty())
}

/// `XContentParser.text()` of a scalar: strings as they are, numbers and booleans as
/// their text; objects and arrays have none.
pub(crate) fn text_of(value: &Value) -> Result<String, ValueError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(number_text(n)),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(ValueError::not_text(token_name(other))),
    }
}

/// A number's text as written in a document (integers exactly, fractions in their
/// shortest plain form).
fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        format!("{}", n.as_f64().unwrap_or(0.0))
    }
}

fn not_numeric(value: &Value) -> ValueError {
    ValueError::token(format!(
        "Current token ({}) not numeric, can not use numeric value accessors",
        token_name(value)
    ))
}

fn passed_as_string(class: &str) -> ValueError {
    ValueError::argument(format!("{class} value passed as String"))
}

/// `parser.longValue(coerce)`.
fn to_long(value: &Value, coerce: bool) -> Result<i64, ValueError> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(i);
            }
            if n.is_u64() {
                return Err(ValueError::token(format!(
                    "Numeric value ({}) out of range of long (-9223372036854775808 - 9223372036854775807)",
                    number_text(n)
                )));
            }
            let d = n.as_f64().unwrap_or(f64::NAN);
            if !coerce && d.fract() != 0.0 {
                return Err(ValueError::argument(format!(
                    "{} cannot be converted to Long without data loss",
                    java_text::double(d)
                )));
            }
            if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&d) {
                return Err(ValueError::token(format!(
                    "Numeric value ({}) out of range of long (-9223372036854775808 - 9223372036854775807)",
                    java_text::double(d)
                )));
            }
            Ok(d.trunc() as i64)
        }
        Value::String(text) => {
            if !coerce {
                return Err(passed_as_string("Long"));
            }
            string_to_long(text)
        }
        other => Err(not_numeric(other)),
    }
}

/// `AbstractXContentParser.toLong(text, coerce=true)`: `Long.parseLong`, else a
/// `BigDecimal` truncated towards zero and range-checked.
fn string_to_long(text: &str) -> Result<i64, ValueError> {
    if let Some(v) = java_text::parse_long(text) {
        return Ok(v);
    }
    let invalid = || ValueError::argument(format!("For input string: \"{text}\""));
    let out_of_range =
        || ValueError::argument(format!("Value [{text}] is out of range for a long"));
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = body[at + 1..].parse().map_err(|_| invalid())?;
            (&body[..at], exponent)
        }
        None => (body, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    let digits = format!("{int_part}{frac_part}");
    let point = i64::try_from(int_part.len()).map_err(|_| invalid())? + exponent;
    let integer_digits = if point <= 0 {
        String::new()
    } else {
        let point = usize::try_from(point).map_err(|_| out_of_range())?;
        if point > digits.len() {
            let zeros = point - digits.len();
            if zeros > 40 {
                return Err(out_of_range());
            }
            format!("{digits}{}", "0".repeat(zeros))
        } else {
            digits[..point].to_string()
        }
    };
    let trimmed = integer_digits.trim_start_matches('0');
    if trimmed.len() > 19 {
        return Err(out_of_range());
    }
    let magnitude: i128 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().map_err(|_| invalid())?
    };
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).map_err(|_| out_of_range())
}

/// `parser.intValue(coerce)`, widened for the caller's short/byte checks.
fn to_int(value: &Value, coerce: bool) -> Result<i64, ValueError> {
    let int_range = |shown: String| {
        ValueError::token(format!(
            "Numeric value ({shown}) out of range of int (-2147483648 - 2147483647)"
        ))
    };
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return if i32::try_from(i).is_ok() {
                    Ok(i)
                } else {
                    Err(int_range(i.to_string()))
                };
            }
            if n.is_u64() {
                return Err(int_range(number_text(n)));
            }
            let d = n.as_f64().unwrap_or(f64::NAN);
            if !coerce && d.fract() != 0.0 {
                return Err(ValueError::argument(format!(
                    "{} cannot be converted to Integer without data loss",
                    java_text::double(d)
                )));
            }
            if d < f64::from(i32::MIN) || d > f64::from(i32::MAX) {
                return Err(int_range(java_text::double(d)));
            }
            Ok(d.trunc() as i64)
        }
        Value::String(text) => {
            if !coerce {
                return Err(passed_as_string("Integer"));
            }
            let d = java_text::parse_double(text).ok_or_else(|| ValueError::number_format(text))?;
            if d < f64::from(i32::MIN) || d > f64::from(i32::MAX) {
                return Err(ValueError::argument(format!(
                    "Value [{text}] is out of range for an integer"
                )));
            }
            // `(int) NaN` is 0 in Java.
            Ok(if d.is_nan() { 0 } else { d.trunc() as i64 })
        }
        other => Err(not_numeric(other)),
    }
}

fn to_f32(value: &Value, coerce: bool) -> Result<f32, ValueError> {
    match value {
        Value::String(_) if !coerce => Err(passed_as_string("Float")),
        other => to_f64(other, true, "Float").map(|d| d as f32),
    }
}

fn to_f64(value: &Value, coerce: bool, class: &str) -> Result<f64, ValueError> {
    match value {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(text) => {
            if !coerce {
                return Err(passed_as_string(class));
            }
            java_text::parse_double(text).ok_or_else(|| ValueError::number_format(text))
        }
        other => Err(not_numeric(other)),
    }
}

fn to_unsigned(value: &Value) -> Result<u64, ValueError> {
    let out_of_range = |shown: &str| {
        ValueError::argument(format!(
            "Value [{shown}] is out of range for unsigned long."
        ))
    };
    match value {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Ok(u);
            }
            if let Some(i) = n.as_i64() {
                return Err(out_of_range(&i.to_string()));
            }
            let d = n.as_f64().unwrap_or(f64::NAN);
            unsigned_from_double(d, &java_text::double(d))
        }
        Value::String(text) => {
            if let Ok(u) = text.parse::<u64>() {
                return Ok(u);
            }
            if text
                .strip_prefix('-')
                .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty())
            {
                return Err(out_of_range(text));
            }
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(out_of_range(text));
            }
            let d = java_text::parse_double(text).ok_or_else(|| ValueError::number_format(text))?;
            unsigned_from_double(d, text)
        }
        other => Err(not_numeric(other)),
    }
}

fn unsigned_from_double(d: f64, shown: &str) -> Result<u64, ValueError> {
    if !d.is_finite() || !(0.0..18_446_744_073_709_551_616.0).contains(&d) {
        return Err(ValueError::argument(format!(
            "Value [{shown}] is out of range for unsigned long."
        )));
    }
    if d.fract() != 0.0 {
        return Err(ValueError::argument(format!(
            "Value [{shown}] has a decimal part"
        )));
    }
    Ok(d as u64)
}

fn to_bool(value: &Value) -> Result<bool, ValueError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.as_str() {
            "true" => Ok(true),
            // An empty string reads as false (`Booleans.parseBoolean` with a default).
            "false" | "" => Ok(false),
            other => Err(ValueError::argument(format!(
                "Failed to parse value [{other}] as only [true] or [false] are allowed."
            ))),
        },
        other => Err(ValueError::token(format!(
            "Current token ({}) not of boolean type",
            token_name(other)
        ))),
    }
}

/// IEEE 754 binary16 rounding (to nearest, ties to even), as Lucene's `HalfFloatPoint`
/// stores a `half_float`; values past the largest half become infinite.
pub(crate) fn half_precision(v: f32) -> f32 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    let magnitude = f64::from(v.abs());
    let exponent = magnitude.log2().floor().max(-14.0);
    let ulp = 2f64.powf(exponent - 10.0);
    let rounded = (magnitude / ulp).round_ties_even() * ulp;
    let result = if rounded > 65504.0 {
        f32::INFINITY
    } else {
        rounded as f32
    };
    if v < 0.0 { -result } else { result }
}

/// A `null_value` checked and normalised for its field at mapping time: numbers become
/// numbers of the field's type, booleans booleans, dates and IPs validated strings.
pub(crate) fn normalize_null_value(field: &FieldMapping, value: &Value) -> DefResult<Value> {
    let t = field.field_type;
    match t {
        FieldType::Keyword | FieldType::Flattened => {
            return Ok(Value::String(java_text::value(value)));
        }
        FieldType::Date | FieldType::DateNanos | FieldType::Ip => {
            let text = java_text::value(value);
            let probe = FieldMapping {
                null_value: None,
                ..field.clone()
            };
            convert(&probe, "", &Value::String(text.clone()), true)
                .map_err(|e| Invalid::argument(e.text(None)))?;
            return Ok(Value::String(text));
        }
        _ => {}
    }
    let probe = FieldMapping {
        null_value: None,
        ..field.clone()
    };
    let converted =
        convert(&probe, "", value, true).map_err(|e| Invalid::argument(e.text(None)))?;
    Ok(match converted {
        Converted::Value(IndexedValue::Long(_)) if t == FieldType::ScaledFloat => {
            let d = to_f64(value, true, "Double").map_err(|e| Invalid::argument(e.text(None)))?;
            Number::from_f64(d).map_or(Value::Null, Value::Number)
        }
        Converted::Value(IndexedValue::Long(i)) => Value::from(i),
        Converted::Value(IndexedValue::UnsignedLong(u)) => Value::from(u),
        Converted::Value(IndexedValue::Boolean(b)) => Value::Bool(b),
        Converted::Value(IndexedValue::Double(d)) => {
            let shortest = if matches!(t, FieldType::Float | FieldType::HalfFloat) {
                java_text::parse_double(&format!("{}", d as f32)).unwrap_or(d)
            } else {
                d
            };
            Number::from_f64(shortest).map_or(Value::Null, Value::Number)
        }
        _ => value.clone(),
    })
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
