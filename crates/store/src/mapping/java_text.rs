//! Values as Elasticsearch's Java code prints them inside its messages: `Double.toString`
//! (`1.0E19`, `3.5`), `Float.toString`, and `Object.toString` of parsed JSON (`{a=1, b=[x, y]}`,
//! as a `HashMap` prints), plus the parsing rules of `Double.parseDouble` and `Long.parseLong`
//! that dynamic mapping's numeric detection relies on. Messages quote these forms, so the
//! store prints them the same way to keep its errors identical.

use serde_json::Value;

/// `Double.toString(d)`: shortest round-trip digits, plain from 10^-3 up to 10^7, otherwise
/// `d.dddE±n`, always with a fractional digit.
pub(crate) fn double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = d.abs();
    if d == 0.0 || (1e-3..1e7).contains(&magnitude) {
        plain(format!("{d}"))
    } else {
        scientific(format!("{d:e}"))
    }
}

/// `Float.toString(f)`, the same rules over the shortest `float` digits.
pub(crate) fn float(f: f32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = f.abs();
    if f == 0.0 || (1e-3..1e7).contains(&magnitude) {
        plain(format!("{f}"))
    } else {
        scientific(format!("{f:e}"))
    }
}

fn plain(mut text: String) -> String {
    if !text.contains('.') {
        text.push_str(".0");
    }
    text
}

/// Rust's `1.5e-7` as Java's `1.5E-7`, and `1e19` as `1.0E19`.
fn scientific(text: String) -> String {
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let mantissa = if mantissa.contains('.') {
                mantissa.to_string()
            } else {
                format!("{mantissa}.0")
            };
            format!("{mantissa}E{exponent}")
        }
        None => text,
    }
}

/// A JSON number as Jackson hands it to Java: integers as `Integer`/`Long`/`BigInteger`
/// (printed as written), fractions as `Double`.
pub(crate) fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        double(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// `toString()` of the value `XContentParser.readValue` builds: strings bare, maps as
/// `{k=v, k2=v2}`, lists as `[a, b]`, null as `null`.
pub(crate) fn value(v: &Value) -> String {
    let mut out = String::new();
    push_value(&mut out, v);
    out
}

fn push_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                push_value(out, item);
            }
            out.push('}');
        }
    }
}

/// `Double.parseDouble(text)`: surrounding whitespace trimmed, an optional sign, decimal
/// digits with an optional exponent, `NaN`, `Infinity`, and an optional `f`/`d` suffix.
/// Hexadecimal floats are not accepted here (they would be by Java; nobody sends them).
pub(crate) fn parse_double(text: &str) -> Option<f64> {
    let t = text.trim_matches(|c: char| c <= ' ');
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    match body {
        "NaN" => return Some(f64::NAN),
        "Infinity" => return Some(sign * f64::INFINITY),
        _ => {}
    }
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    // Rust also reads `inf` and `nan`, which Java refuses: only digits, one dot and an
    // exponent may remain.
    let mut digits = 0usize;
    let mut seen_dot = false;
    let mut seen_exp = false;
    let mut prev = b' ';
    for &b in body.as_bytes() {
        match b {
            b'0'..=b'9' => {
                if !seen_exp {
                    digits += 1;
                }
            }
            b'.' if !seen_dot && !seen_exp => seen_dot = true,
            b'e' | b'E' if !seen_exp && digits > 0 => seen_exp = true,
            b'+' | b'-' if matches!(prev, b'e' | b'E') => {}
            _ => return None,
        }
        prev = b;
    }
    if digits == 0 {
        return None;
    }
    body.parse::<f64>().ok().map(|v| sign * v)
}

/// `Long.parseLong(text)`: an optional sign and decimal digits, nothing else.
pub(crate) fn parse_long(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok()
}

/// `String.length()`: UTF-16 code units, which `ignore_above` counts.
pub(crate) fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn doubles_print_as_java() {
        assert_eq!(double(1e19), "1.0E19");
        assert_eq!(double(3.5), "3.5");
        assert_eq!(double(100.0), "100.0");
        assert_eq!(double(1e7), "1.0E7");
        assert_eq!(double(9_999_999.0), "9999999.0");
        assert_eq!(double(0.001), "0.001");
        assert_eq!(double(0.0001), "1.0E-4");
        assert_eq!(double(1.25e-5), "1.25E-5");
        assert_eq!(double(-0.0), "-0.0");
        assert_eq!(double(f64::NAN), "NaN");
        assert_eq!(double(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(float(1.1), "1.1");
        assert_eq!(float(3.0e10), "3.0E10");
    }

    #[test]
    fn parsed_json_prints_as_a_java_map() {
        assert_eq!(
            value(&json!({"a": 1, "b": ["x", 2.5, null], "c": {"d": true}})),
            "{a=1, b=[x, 2.5, null], c={d=true}}"
        );
        assert_eq!(value(&json!("plain")), "plain");
    }

    #[test]
    fn java_number_parsing_rules() {
        assert_eq!(parse_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_double("1e3"), Some(1000.0));
        assert_eq!(parse_double("-2.5f"), Some(-2.5));
        assert_eq!(parse_double("+.5"), Some(0.5));
        assert!(parse_double("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        for bad in ["", "inf", "nan", "1.2.3", "e5", "abc", "1e", "--1", "0x10"] {
            assert_eq!(parse_double(bad), None, "{bad}");
        }
        assert_eq!(parse_long("+42"), Some(42));
        assert_eq!(parse_long("-7"), Some(-7));
        for bad in ["", "+", "1.0", " 1", "99999999999999999999"] {
            assert_eq!(parse_long(bad), None, "{bad}");
        }
        assert_eq!(utf16_len("a😀"), 3);
    }
}
