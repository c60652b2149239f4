//! `system.uptime`: the first field of `/proc/uptime`, in milliseconds.

use serde_json::{Value, json};

/// The `system.uptime` document.
pub(crate) fn document(text: &str) -> Result<Value, String> {
    let field = text
        .split_whitespace()
        .next()
        .ok_or_else(|| "empty file".to_string())?;
    let seconds: f64 = field.parse().map_err(|_| format!("bad uptime [{field}]"))?;
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("bad uptime [{field}]"));
    }
    let ms = (seconds * 1000.0).round() as u64;
    Ok(json!({"system": {"uptime": {"duration": {"ms": ms}}}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_in_milliseconds() {
        let d = document("12345.67 54321.00\n").unwrap();
        assert_eq!(d["system"]["uptime"]["duration"]["ms"], 12_345_670);
        assert!(document("").is_err());
        assert!(document("-1 2").is_err());
    }
}
