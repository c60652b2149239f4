//! `export config`: the effective configuration as YAML with secrets replaced, or, when no
//! configuration file exists yet, a commented starting `shipper.yml`.

use serde_json::Value;

/// A starting `shipper.yml` (Metricbeat's setting names).
pub(crate) const SAMPLE_CONFIG: &str = "\
# ironstack shipper configuration (Metricbeat setting names).
# Modules are read from ${path.config}/modules.d/*.yml (created with samples on first run).

#name: web-1

output.elasticsearch:
  hosts: [\"https://localhost:9200\"]
  username: \"metricbeat_writer\"
  password: \"${ES_PWD}\"
  ssl:
    certificate_authorities: [\"config/certs/http_ca.crt\"]
    # full (default), strict, certificate or none
    verification_mode: full

#queue.mem:
#  events: 3200
#  flush.min_events: 1600
#  flush.timeout: 10s

#logging.level: info
";

const SECRET_KEYS: &[&str] = &["password", "api_key", "key_passphrase"];

/// The tree as YAML, secrets replaced by `[redacted]`.
pub(crate) fn redacted_yaml(tree: &Value) -> String {
    let mut copy = tree.clone();
    redact(&mut copy);
    serde_saphyr::to_string(&copy).unwrap_or_else(|_| format!("{copy}\n"))
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) && !v.is_object() {
                    *v = Value::String("[redacted]".to_string());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_and_the_sample_parses() {
        let y = redacted_yaml(
            &json!({"output": {"elasticsearch": {"password": "s3cret", "hosts": ["h"], "ssl": {"key_passphrase": "k"}}}}),
        );
        assert!(
            !y.contains("s3cret") && !y.contains(": k\n") && y.contains("[redacted]"),
            "{y}"
        );
        let tree = crate::settings::parse_yaml(SAMPLE_CONFIG, "sample").unwrap();
        assert!(crate::settings::get(&tree, "output.elasticsearch.hosts").is_some());
    }
}
