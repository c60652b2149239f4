//! Byte sizes written the Elasticsearch way (`100mb`, `1.5gb`, `512kb`, `0`).

/// Parses a byte size: a number (decimals allowed) followed by `b`, `k`/`kb`, `m`/`mb`,
/// `g`/`gb`, `t`/`tb` or `p`/`pb`, case-insensitive, binary multiples (1kb = 1024 bytes).
/// A bare number is refused (except `0`), as in Elasticsearch, because `100` is ambiguous.
pub fn parse_byte_size(value: &str) -> Result<u64, String> {
    let text = value.trim().to_ascii_lowercase();
    if text == "0" {
        return Ok(0);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| "unit is missing; use a unit such as b, kb, mb or gb".to_string())?;
    let (number, unit) = text.split_at(split);
    let multiplier: u64 = match unit.trim() {
        "b" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        "t" | "tb" => 1 << 40,
        "p" | "pb" => 1 << 50,
        other => {
            return Err(format!(
                "unknown unit [{other}]; use b, kb, mb, gb, tb or pb"
            ));
        }
    };
    if number.is_empty() {
        return Err("a number is required before the unit".to_string());
    }
    if let Ok(whole) = number.parse::<u64>() {
        return whole
            .checked_mul(multiplier)
            .ok_or_else(|| "the size is too large".to_string());
    }
    let fractional: f64 = number
        .parse()
        .map_err(|_| format!("[{number}] is not a number"))?;
    let bytes = fractional * multiplier as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err("the size is too large".to_string());
    }
    // Truncation towards zero is what Elasticsearch does with fractional sizes.
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_byte_size("100mb").unwrap(), 100 * 1024 * 1024);
        assert_eq!(parse_byte_size("1KB").unwrap(), 1024);
        assert_eq!(parse_byte_size("512b").unwrap(), 512);
        assert_eq!(parse_byte_size("2g").unwrap(), 2 << 30);
        assert_eq!(parse_byte_size("1.5kb").unwrap(), 1536);
        assert_eq!(parse_byte_size("0").unwrap(), 0);
    }

    #[test]
    fn errors() {
        assert!(
            parse_byte_size("100")
                .unwrap_err()
                .contains("unit is missing")
        );
        assert!(
            parse_byte_size("10xb")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_byte_size("mb").is_err());
        assert!(parse_byte_size("1.2.3mb").is_err());
        assert!(parse_byte_size("99999999999pb").is_err());
    }
}
