//! The `_bulk` request and Beats' per-item rules: `create` with the event's `_id`, and for
//! each item: 2xx acked, 409 a duplicate (success: the event is already there), 429 and 5xx
//! retried, any other 4xx dropped. A 200 whose body cannot be read item by item is a failure
//! of the whole request, never an acknowledgement.

use serde_json::{Value, json};

use crate::event::Event;

/// What happened to one event of a bulk request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    /// Indexed.
    Acked,
    /// Already indexed (409 on `create`).
    Duplicate,
    /// Retry later: 429 (`too_many` = true) or 5xx.
    Retry {
        /// The item status.
        status: u16,
        /// Whether it was a 429.
        too_many: bool,
    },
    /// Will never be accepted (mapping, parse or permission error): dropped.
    Drop {
        /// The item status.
        status: u16,
        /// The item's error, as Elasticsearch wrote it.
        reason: String,
    },
}

/// The query string of every bulk request (Beats asks only for what it reads).
pub const BULK_QUERY: &str = "filter_path=errors,items.*.error,items.*.status";

/// The NDJSON body; `index` applies to events without an index of their own.
pub fn encode(events: &[Event], index: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(events.iter().map(|e| e.source.len() + 80).sum());
    for event in events {
        let target = event.index.as_deref().unwrap_or(index);
        let action = json!({"create": {"_index": target, "_id": event.id}});
        body.extend_from_slice(action.to_string().as_bytes());
        body.push(b'\n');
        body.extend_from_slice(event.source.as_bytes());
        body.push(b'\n');
    }
    body
}

/// Reads a 200 response: one outcome per event, in request order. `Err` when the body is not
/// a bulk response for `expected` items.
pub fn classify(body: &[u8], expected: usize) -> Result<Vec<ItemOutcome>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the bulk response is not JSON: {e}"))?;
    let items = value
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| "the bulk response has no items".to_string())?;
    if items.len() != expected {
        return Err(format!(
            "the bulk response has {} items for {expected} events",
            items.len()
        ));
    }
    items
        .iter()
        .map(|item| {
            let result = item
                .as_object()
                .and_then(|o| o.values().next())
                .ok_or_else(|| "a bulk response item is not an object".to_string())?;
            let status = result
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| "a bulk response item has no status".to_string())?;
            Ok(match status {
                200..=299 => ItemOutcome::Acked,
                409 => ItemOutcome::Duplicate,
                429 => ItemOutcome::Retry {
                    status,
                    too_many: true,
                },
                500.. => ItemOutcome::Retry {
                    status,
                    too_many: false,
                },
                _ => ItemOutcome::Drop {
                    status,
                    reason: result
                        .get("error")
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "no error given".to_string()),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_with_create_and_ids() {
        let events = vec![
            Event::from_document(&json!({"a": 1})),
            Event::from_document(&json!({"b": 2})),
        ];
        let body = String::from_utf8(encode(&events, "metricbeat-9.1.0")).unwrap();
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 4);
        let action: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(action["create"]["_index"], "metricbeat-9.1.0");
        assert_eq!(action["create"]["_id"], events[0].id.as_str());
        assert_eq!(lines[1], r#"{"a":1}"#);
        assert!(body.ends_with('\n'));
        let own =
            Event::from_document(&json!({"c": 3, "@metadata": {"index": ".monitoring-es-8-mb"}}));
        let body = String::from_utf8(encode(&[own], "metricbeat-9.1.0")).unwrap();
        let action: Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
        assert_eq!(action["create"]["_index"], ".monitoring-es-8-mb");
    }

    #[test]
    fn item_rules() {
        let body = br#"{"errors":true,"items":[
            {"create":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception"}}},
            {"create":{"status":429,"error":{}}},{"create":{"status":503}},
            {"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}}]}"#;
        let out = classify(body, 5).unwrap();
        assert_eq!(out[0], ItemOutcome::Acked);
        assert_eq!(out[1], ItemOutcome::Duplicate);
        assert_eq!(
            out[2],
            ItemOutcome::Retry {
                status: 429,
                too_many: true
            }
        );
        assert_eq!(
            out[3],
            ItemOutcome::Retry {
                status: 503,
                too_many: false
            }
        );
        assert!(
            matches!(&out[4], ItemOutcome::Drop { status: 400, reason } if reason.contains("mapper_parsing_exception"))
        );
    }

    #[test]
    fn unreadable_200_is_a_failure_not_an_ack() {
        assert!(classify(b"<html>proxy</html>", 1).is_err());
        assert!(classify(br#"{"errors":false}"#, 1).is_err());
        assert!(classify(br#"{"items":[]}"#, 1).is_err());
        assert!(classify(br#"{"items":[{"create":{}}]}"#, 1).is_err());
        assert!(classify(br#"{"items":[7]}"#, 1).is_err());
    }
}
