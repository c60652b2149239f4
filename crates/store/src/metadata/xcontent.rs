//! Strict reading of request bodies the way Elasticsearch's `ObjectParser` reads them: an
//! unknown field is `[parser] unknown field [x]` (with its did-you-mean), a value of the wrong
//! JSON kind is `[parser] field doesn't support values of type: TOKEN`, a missing required
//! field is `Required [field]`, and a failure inside a field is wrapped as `[parser] failed to
//! parse field [field]` with the inner failure as its cause.

use serde_json::{Map, Value};

use crate::error::{Result, StoreError};

/// The Jackson token name Elasticsearch prints for a value.
pub(crate) fn token_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(_) => "VALUE_BOOLEAN",
        Value::Number(_) => "VALUE_NUMBER",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// `[parser] unknown field [field]`, with Elasticsearch's suggestions among `candidates`.
pub(crate) fn unknown_field(parser: &str, field: &str, candidates: &[&str]) -> StoreError {
    StoreError::XContentParse(format!(
        "[{parser}] unknown field [{field}]{}",
        suggest(field, candidates)
    ))
}

/// `[parser] field doesn't support values of type: TOKEN`.
pub(crate) fn wrong_type(parser: &str, field: &str, value: &Value) -> StoreError {
    StoreError::XContentParse(format!(
        "[{parser}] {field} doesn't support values of type: {}",
        token_name(value)
    ))
}

/// A failure inside `field`, wrapped as the enclosing parser reports it.
pub(crate) fn in_field(parser: &str, field: &str, cause: StoreError) -> StoreError {
    StoreError::FieldParse {
        reason: format!("[{parser}] failed to parse field [{field}]"),
        cause: Box::new(cause),
    }
}

/// `Required [field]`, as `ConstructingObjectParser` reports a missing argument.
pub(crate) fn required(field: &str) -> StoreError {
    StoreError::IllegalArgument(format!("Required [{field}]"))
}

/// The body as an object, or Elasticsearch's complaint about its first token.
pub(crate) fn body_object<'a>(parser: &str, body: &'a Value) -> Result<&'a Map<String, Value>> {
    body.as_object().ok_or_else(|| {
        StoreError::XContentParse(format!(
            "[{parser}] Expected START_OBJECT but was: {}",
            token_name(body)
        ))
    })
}

/// Refuses any key of `map` outside `known`.
pub(crate) fn check_fields(parser: &str, map: &Map<String, Value>, known: &[&str]) -> Result<()> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(unknown_field(parser, k, known)),
        None => Ok(()),
    }
}

/// An object-valued field (`declareObject`).
pub(crate) fn object<'a>(
    parser: &str,
    field: &str,
    value: &'a Value,
) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| wrong_type(parser, field, value))
}

/// A string field (`declareString`): only a JSON string.
pub(crate) fn string(parser: &str, field: &str, value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(wrong_type(parser, field, other)),
    }
}

/// A field whose value is read as text (`declareField(.., ValueType.INT)` or `VALUE`): a string,
/// a number or a boolean.
pub(crate) fn text(parser: &str, field: &str, value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(wrong_type(parser, field, other)),
    }
}

/// A string array (`declareStringArray`): an array of scalars, or one string alone.
pub(crate) fn string_array(parser: &str, field: &str, value: &Value) -> Result<Vec<String>> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                Value::Bool(b) => Ok(b.to_string()),
                other => Err(in_field(
                    parser,
                    field,
                    StoreError::XContentParse(format!(
                        "[{parser}] {field} doesn't support values of type: {}",
                        token_name(other)
                    )),
                )),
            })
            .collect(),
        other => Err(wrong_type(parser, field, other)),
    }
}

/// A long field (`declareLong`): a number (fractions truncated, as Jackson coerces) or a
/// numeric string.
pub(crate) fn long(parser: &str, field: &str, value: &Value) -> Result<i64> {
    let number_format = |text: &str| {
        in_field(
            parser,
            field,
            StoreError::IllegalArgument(format!("For input string: \"{text}\"")),
        )
    };
    match value {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(i),
            (None, Some(f)) if f.is_finite() && f.abs() < 9.2e18 => Ok(f.trunc() as i64),
            _ => Err(number_format(&n.to_string())),
        },
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(i) => Ok(i),
            Err(_) => match s.trim().parse::<f64>() {
                Ok(f) if f.is_finite() && f.abs() < 9.2e18 => Ok(f.trunc() as i64),
                _ => Err(number_format(s)),
            },
        },
        other => Err(wrong_type(parser, field, other)),
    }
}

/// An int field (`declareInt`): as [`long`], within Java's `int` range.
pub(crate) fn int(parser: &str, field: &str, value: &Value) -> Result<i32> {
    let n = long(parser, field, value)?;
    i32::try_from(n).map_err(|_| {
        in_field(
            parser,
            field,
            StoreError::IllegalArgument(format!("Value [{n}] is out of range for an integer")),
        )
    })
}

/// A boolean field (`declareBoolean`): a boolean, or exactly `"true"`/`"false"`.
pub(crate) fn boolean(parser: &str, field: &str, value: &Value) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::String(s) => Err(in_field(
            parser,
            field,
            StoreError::IllegalArgument(format!(
                "Failed to parse value [{s}] as only [true] or [false] are allowed."
            )),
        )),
        other => Err(wrong_type(parser, field, other)),
    }
}

/// `SuggestingErrorOnUnknown.suggest`: candidates whose Lucene Levenshtein similarity to
/// `field` is above 0.5, best first, then by name.
fn suggest(field: &str, candidates: &[&str]) -> String {
    let mut scored: Vec<(f32, &str)> = candidates
        .iter()
        .map(|c| (similarity(field, c), *c))
        .filter(|(score, _)| *score > 0.5)
        .collect();
    if scored.is_empty() {
        return String::new();
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let names: Vec<&str> = scored.iter().map(|(_, name)| *name).collect();
    if names.len() == 1 {
        format!(" did you mean [{}]?", names[0])
    } else {
        format!(" did you mean any of [{}]?", names.join(", "))
    }
}

/// Lucene's `LevenshteinDistance.getDistance`: 1 - edits / longer length.
fn similarity(a: &str, b: &str) -> f32 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() || b.is_empty() {
        return if a.len() == b.len() { 1.0 } else { 0.0 };
    }
    let mut previous: Vec<usize> = (0..=a.len()).collect();
    let mut current = vec![0; a.len() + 1];
    for (j, cb) in b.iter().enumerate() {
        current[0] = j + 1;
        for (i, ca) in a.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current[i + 1] = (current[i] + 1)
                .min(previous[i + 1] + 1)
                .min(previous[i] + cost);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let edits = previous[a.len()];
    1.0 - edits as f32 / a.len().max(b.len()) as f32
}

#[cfg(test)]
#[path = "xcontent_tests.rs"]
mod tests;
