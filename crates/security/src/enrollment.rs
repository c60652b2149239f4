//! The enrolment token a console (Kibana) is given: base64 of
//! `{"ver","adr":["host:port"],"fgr":"<hex SHA-256 of the node's HTTP CA>","key":"<id>:<api_key>"}`,
//! as `elasticsearch-create-enrollment-token` prints it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The token's decoded content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentToken {
    /// `ver`: the node's version.
    pub version: String,
    /// `adr`: `host:port` addresses of the node.
    pub addresses: Vec<String>,
    /// `fgr`: hex SHA-256 of the HTTP CA certificate (DER).
    pub ca_fingerprint: String,
    /// `key`: `<id>:<api_key>`.
    pub api_key: String,
}

impl EnrollmentToken {
    /// The printed form.
    pub fn encode(&self) -> String {
        let body = json!({
            "ver": self.version,
            "adr": self.addresses,
            "fgr": self.ca_fingerprint,
            "key": self.api_key,
        });
        STANDARD.encode(body.to_string())
    }

    /// Reads a token; the error says what is wrong with it.
    pub fn decode(text: &str) -> Result<EnrollmentToken, String> {
        let raw = STANDARD
            .decode(text.trim())
            .map_err(|_| "the enrollment token is not valid base64".to_string())?;
        let v: Value = serde_json::from_slice(&raw)
            .map_err(|_| "the enrollment token does not hold a JSON object".to_string())?;
        let text_of = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("the enrollment token has no [{k}]"))
        };
        let version = text_of("ver")?;
        let addresses: Vec<String> = v
            .get("adr")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if addresses.is_empty() {
            return Err("the enrollment token has no addresses [adr]".to_string());
        }
        let token = EnrollmentToken {
            version,
            addresses,
            ca_fingerprint: text_of("fgr")?.to_ascii_lowercase(),
            api_key: text_of("key")?,
        };
        if token.ca_fingerprint.len() != 64
            || !token.ca_fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err("the enrollment token's CA fingerprint [fgr] is not a SHA-256".to_string());
        }
        if !token.api_key.contains(':') {
            return Err("the enrollment token's [key] is not <id>:<api_key>".to_string());
        }
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_bad_ones_name_their_fault() {
        let token = EnrollmentToken {
            version: "9.1.0".into(),
            addresses: vec!["localhost:9200".into()],
            ca_fingerprint: "ab".repeat(32),
            api_key: "id1:secret".into(),
        };
        let text = token.encode();
        assert_eq!(EnrollmentToken::decode(&text).unwrap(), token);
        let raw: Value = serde_json::from_slice(&STANDARD.decode(&text).unwrap()).unwrap();
        assert_eq!(
            raw,
            json!({"ver": "9.1.0", "adr": ["localhost:9200"], "fgr": "ab".repeat(32), "key": "id1:secret"})
        );
        let encode = |v: Value| STANDARD.encode(v.to_string());
        for (bad, why) in [
            ("%%%".to_string(), "base64"),
            (STANDARD.encode("[1]"), "no [ver]"),
            (
                encode(json!({"ver": "9", "adr": [], "fgr": "ab".repeat(32), "key": "a:b"})),
                "no addresses",
            ),
            (
                encode(json!({"ver": "9", "adr": ["h:1"], "fgr": "abc", "key": "a:b"})),
                "SHA-256",
            ),
            (
                encode(json!({"ver": "9", "adr": ["h:1"], "fgr": "ab".repeat(32), "key": "ab"})),
                "<id>:<api_key>",
            ),
        ] {
            let e = EnrollmentToken::decode(&bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
