//! How Elasticsearch spells values in aggregation responses and where it hashes them: Java's
//! `Double.toString` (range keys `"*-100.0"`, keyed histograms, messages), a small
//! `DecimalFormat` for numeric `format`s, date keys in a format and time zone, date math
//! bounds, and the hashes behind `cardinality` (MurmurHash3 x64 128 of the bytes, the
//! `BitMixer.mix64` of numbers) and `terms` partitions (MurmurHash3 x86 32, seed 31).

use ironstack_types::date::{
    DateFormat, DateMathParser, NamedFormat, TimeZone, Timestamp, timestamp_from_millis,
    to_epoch_millis,
};
use ironstack_types::date_math_name::JavaPattern;

use crate::StoreError;
use crate::mapping::date_format::FieldDateFormat;

/// Java's `Double.toString`: the shortest digits that read back as `v`, in decimal notation
/// from 10^-3 to 10^7 and in computerized scientific notation (`1.0E7`) outside.
pub fn java_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let abs = v.abs();
    let sci = format!("{abs:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if v < 0.0 {
        out.push('-');
    }
    if (1e-3..1e7).contains(&abs) {
        let point = exp + 1;
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..(-point) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = point as usize;
            if point >= digits.len() {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&exp.to_string());
    }
    out
}

/// A `DecimalFormat` pattern for numeric `format`s (`0.00`, `#,##0.0`, `000`, with literal
/// prefix and suffix); half-even rounding as Java's default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DecimalPattern {
    prefix: String,
    suffix: String,
    min_int: usize,
    min_frac: usize,
    max_frac: usize,
    grouping: bool,
    percent: bool,
}

impl DecimalPattern {
    pub(crate) fn new(pattern: &str) -> Result<Self, StoreError> {
        let pattern = pattern.split(';').next().unwrap_or("");
        let is_body = |c: char| matches!(c, '0' | '#' | ',' | '.');
        let start = pattern.find(is_body);
        let Some(start) = start else {
            return Err(StoreError::IllegalArgument(format!(
                "Malformed pattern \"{pattern}\""
            )));
        };
        let end = pattern[start..]
            .find(|c: char| !is_body(c))
            .map_or(pattern.len(), |e| start + e);
        let body = &pattern[start..end];
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let suffix = pattern[end..].replace('\'', "");
        Ok(Self {
            prefix: pattern[..start].replace('\'', ""),
            percent: suffix.contains('%'),
            suffix,
            min_int: int.chars().filter(|c| *c == '0').count(),
            min_frac: frac.chars().filter(|c| *c == '0').count(),
            max_frac: frac.chars().filter(|c| matches!(c, '0' | '#')).count(),
            grouping: int.contains(','),
        })
    }

    pub(crate) fn format(&self, v: f64) -> String {
        if v.is_nan() {
            return "NaN".into();
        }
        if v.is_infinite() {
            return if v > 0.0 { "∞" } else { "-∞" }.into();
        }
        let v = if self.percent { v * 100.0 } else { v };
        let text = format!("{:.*}", self.max_frac, round_half_even(v, self.max_frac));
        let negative = text.starts_with('-');
        let text = text.trim_start_matches('-');
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        let mut frac = frac.to_string();
        while frac.len() > self.min_frac && frac.ends_with('0') {
            frac.pop();
        }
        let int = int.trim_start_matches('0');
        let mut int = format!("{int:0>width$}", width = self.min_int.max(1));
        if self.min_int == 0 && int == "0" && !frac.is_empty() {
            int.clear();
        }
        if self.grouping {
            let bytes: Vec<char> = int.chars().collect();
            let mut grouped = String::new();
            for (i, c) in bytes.iter().enumerate() {
                if i > 0 && (bytes.len() - i).is_multiple_of(3) {
                    grouped.push(',');
                }
                grouped.push(*c);
            }
            int = grouped;
        }
        let zero = int.chars().all(|c| c == '0' || c == ',') && frac.chars().all(|c| c == '0');
        let mut out = String::new();
        if negative && !zero {
            out.push('-');
        }
        out.push_str(&self.prefix);
        out.push_str(&int);
        if !frac.is_empty() {
            out.push('.');
            out.push_str(&frac);
        }
        out.push_str(&self.suffix);
        out
    }
}

fn round_half_even(v: f64, digits: usize) -> f64 {
    let scale = 10f64.powi(digits.min(15) as i32);
    let scaled = v * scale;
    let floor = scaled.floor();
    let diff = scaled - floor;
    let rounded = if (diff - 0.5).abs() < 1e-9 {
        if floor % 2.0 == 0.0 {
            floor
        } else {
            floor + 1.0
        }
    } else {
        scaled.round()
    };
    rounded / scale
}

/// How date keys and values are printed: a format (the field's unless the aggregation gives
/// one) in a time zone.
#[derive(Debug, Clone)]
pub(crate) struct DatePrinter {
    kind: Printer,
    tz: TimeZone,
}

#[derive(Debug, Clone)]
enum Printer {
    Named(DateFormat),
    Pattern(JavaPattern),
    Field(FieldDateFormat),
}

impl DatePrinter {
    /// A printer for `spec` (the default format when `None`); an unknown format is
    /// Elasticsearch's `Invalid format` error.
    pub(crate) fn new(spec: Option<&str>, tz: TimeZone) -> Result<Self, StoreError> {
        let Some(spec) = spec else {
            return Ok(Self {
                kind: Printer::Named(DateFormat::default()),
                tz,
            });
        };
        let first = spec.split("||").next().unwrap_or(spec).trim();
        let kind = if NamedFormat::from_name(first).is_some() {
            Printer::Named(
                DateFormat::new(first).map_err(|e| StoreError::IllegalArgument(e.to_string()))?,
            )
        } else if let Ok(p) = JavaPattern::new(first) {
            Printer::Pattern(p)
        } else {
            Printer::Field(FieldDateFormat::new(spec).map_err(StoreError::IllegalArgument)?)
        };
        Ok(Self { kind, tz })
    }

    /// `millis` (UTC epoch ms) as text.
    pub(crate) fn format(&self, millis: i64) -> String {
        let Ok(at) = timestamp_from_millis(millis) else {
            return millis.to_string();
        };
        match &self.kind {
            Printer::Named(f) => f.format(at, &self.tz),
            Printer::Pattern(p) => p.format(at, &self.tz),
            Printer::Field(f) => f.format(at),
        }
    }
}

/// A date bound (`extended_bounds`, `date_range` `from`/`to`): epoch ms for numbers, date
/// math in `format` and `tz` for strings.
pub(crate) fn parse_date_bound(
    value: &serde_json::Value,
    format: Option<&str>,
    tz: &TimeZone,
    now: Timestamp,
    round_up: bool,
) -> Result<i64, StoreError> {
    let text = match value {
        serde_json::Value::Number(n) => {
            return n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f as i64))
                .ok_or_else(|| StoreError::Parse(format!("failed to parse date field [{n}]")));
        }
        serde_json::Value::String(s) => s.as_str(),
        other => {
            return Err(StoreError::Parse(format!(
                "failed to parse date field [{other}]"
            )));
        }
    };
    let parse_error = |e: ironstack_types::Error| StoreError::Parse(e.to_string());
    let named = match format {
        None => Some(DateFormat::default()),
        Some(spec) => DateFormat::new(spec).ok(),
    };
    if let Some(fmt) = named {
        let parser = DateMathParser::new(fmt, tz.clone());
        return parser
            .parse(text, now, round_up)
            .map(to_epoch_millis)
            .map_err(parse_error);
    }
    // A custom pattern: read the date with it, then apply the math on epoch millis.
    let spec = format.unwrap_or_default();
    let field = FieldDateFormat::new(spec).map_err(StoreError::IllegalArgument)?;
    let (date, math) = match text.strip_prefix("now") {
        Some(math) => (None, math),
        None => match text.split_once("||") {
            Some((d, m)) => (Some(d), m),
            None => (Some(text), ""),
        },
    };
    let base = match date {
        None => to_epoch_millis(now),
        Some(d) => to_epoch_millis(field.parse(d).map_err(StoreError::Parse)?),
    };
    if math.is_empty() {
        return Ok(base);
    }
    DateMathParser::new(DateFormat::default(), tz.clone())
        .parse(&format!("{base}||{math}"), now, round_up)
        .map(to_epoch_millis)
        .map_err(parse_error)
}

/// `BitMixer.mix64` (MurmurHash3's finaliser), the hash of numbers in `cardinality`.
pub(crate) fn mix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// The first half of MurmurHash3 x64 128 (seed 0) of `bytes`: the hash of strings in
/// `cardinality`.
pub fn murmur3_x64_128_h1(bytes: &[u8]) -> u64 {
    const C1: u64 = 0x87c3_7b91_1142_53d5;
    const C2: u64 = 0x4cf5_ad43_2745_937f;
    let (mut h1, mut h2) = (0u64, 0u64);
    let blocks = bytes.len() / 16;
    for i in 0..blocks {
        let at = i * 16;
        let mut k1 = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
        let mut k2 = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap_or([0; 8]));
        k1 = k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);
        k2 = k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5ab5);
    }
    let tail = &bytes[blocks * 16..];
    let (mut k1, mut k2) = (0u64, 0u64);
    for (i, b) in tail.iter().enumerate() {
        if i < 8 {
            k1 |= u64::from(*b) << (8 * i);
        } else {
            k2 |= u64::from(*b) << (8 * (i - 8));
        }
    }
    if tail.len() > 8 {
        h2 ^= k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
    }
    if !tail.is_empty() {
        h1 ^= k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
    }
    let len = bytes.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = mix64(h1);
    h2 = mix64(h2);
    h1.wrapping_add(h2)
}

/// Lucene's `StringHelper.murmurhash3_x86_32`.
pub(crate) fn murmur3_x86_32(bytes: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let chunks = bytes.len() / 4;
    for i in 0..chunks {
        let mut k = u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap_or([0; 4]));
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = &bytes[chunks * 4..];
    let mut k = 0u32;
    for (i, b) in tail.iter().enumerate() {
        k |= u32::from(*b) << (8 * i);
    }
    if !tail.is_empty() {
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= bytes.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}
