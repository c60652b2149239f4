//! `system.load`: `/proc/loadavg`, raw and divided by the number of cores.

use serde_json::{Value, json};

use crate::round4;

/// The `system.load` document.
pub(crate) fn document(text: &str, cores: u64) -> Result<Value, String> {
    let mut fields = text.split_whitespace();
    let mut next = |what: &str| -> Result<f64, String> {
        let field = fields
            .next()
            .ok_or_else(|| format!("missing the {what} load"))?;
        field
            .parse::<f64>()
            .map_err(|_| format!("bad {what} load [{field}]"))
    };
    let (one, five, fifteen) = (next("1m")?, next("5m")?, next("15m")?);
    let n = cores.max(1) as f64;
    Ok(json!({"system": {"load": {
        "1": round4(one), "5": round4(five), "15": round4(fifteen),
        "norm": {"1": round4(one / n), "5": round4(five / n), "15": round4(fifteen / n)},
        "cores": cores,
    }}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_and_normalised_load() {
        let d = document("0.50 1.00 2.00 1/234 5678\n", 4).unwrap();
        assert_eq!(d["system"]["load"]["1"], 0.5);
        assert_eq!(d["system"]["load"]["norm"]["15"], 0.5);
        assert_eq!(d["system"]["load"]["cores"], 4);
        assert!(document("0.5 x 1", 1).is_err());
        assert!(document("", 1).is_err());
    }
}
