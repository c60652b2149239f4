//! `_bulk` bodies as Elasticsearch's `BulkRequestParser` reads them: NDJSON framing (every
//! line ends with `\n`, a `\r` before it is dropped, blank lines are skipped), action lines
//! (`index`, `create`, `update`, `delete` with their metadata), the document line of each
//! `index`/`create` kept as the raw bytes sent (parsed later, per item, so that one bad
//! document fails alone), update bodies (`doc`, `upsert`, `doc_as_upsert`, `detect_noop`,
//! `_source`; scripts refused), and the request's validation (`BulkRequest.validate`), whose
//! failures fail the whole request as Elasticsearch's do.

use std::collections::BTreeMap;

use ironstack_types::json;
use serde_json::{Map, Value};

use crate::doc_write::{
    MATCH_ANY, VersionType, Versioning, WriteKind, parse_op_type, validate_id_length,
};
use crate::{Result, StoreError};

/// What a bulk item does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulkAction {
    /// `index` (or `index` with `op_type: index`): may overwrite.
    Index,
    /// `create`, or `index` with `op_type: create`.
    Create,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
}

impl BulkAction {
    /// The key of the item in the response (`index`, `create`, `update`, `delete`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Index => "index",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// The request-level defaults of a `_bulk` (its URL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkDefaults {
    /// `/<index>/_bulk`.
    pub index: Option<String>,
    /// `?routing`.
    pub routing: Option<String>,
    /// `?pipeline`.
    pub pipeline: Option<String>,
    /// `?require_alias`.
    pub require_alias: bool,
    /// `?require_data_stream`.
    pub require_data_stream: bool,
    /// `rest.action.multi.allow_explicit_index` (default true).
    pub allow_explicit_index: bool,
}

/// The partial update of an `update` item or `POST /<index>/_update/<id>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateBody {
    /// `doc`: merged into the current `_source`.
    pub doc: Option<Map<String, Value>>,
    /// `upsert`: indexed when the document does not exist.
    pub upsert: Option<Map<String, Value>>,
    /// `doc_as_upsert`.
    pub doc_as_upsert: bool,
    /// `detect_noop` (default true): an update that changes nothing is a `noop`.
    pub detect_noop: bool,
    /// `scripted_upsert`.
    pub scripted_upsert: bool,
    /// Whether a `script` was given (ironstack runs no scripts: refused at validation).
    pub script: bool,
    /// `_source`: what of the updated document to return.
    pub source: Option<Value>,
}

impl UpdateBody {
    /// Parses an update body (`UpdateRequest.fromXContent`).
    pub fn parse(body: &Value) -> Result<Self> {
        let Value::Object(fields) = body else {
            return Err(StoreError::XContentParse(format!(
                "[UpdateRequest] Expected START_OBJECT but found [{}]",
                token_name(body)
            )));
        };
        let mut out = UpdateBody {
            detect_noop: true,
            ..Self::default()
        };
        for (name, value) in fields {
            match name.as_str() {
                "doc" => out.doc = Some(object_field("doc", value)?),
                "upsert" => out.upsert = Some(object_field("upsert", value)?),
                "doc_as_upsert" => out.doc_as_upsert = bool_field("doc_as_upsert", value)?,
                "detect_noop" => out.detect_noop = bool_field("detect_noop", value)?,
                "scripted_upsert" => out.scripted_upsert = bool_field("scripted_upsert", value)?,
                "script" => out.script = !value.is_null(),
                "_source" => out.source = Some(value.clone()),
                other => {
                    return Err(StoreError::XContentParse(format!(
                        "[UpdateRequest] unknown field [{other}]"
                    )));
                }
            }
        }
        Ok(out)
    }

    /// Appends `UpdateRequest.validate`'s messages for the body's part (after versioning).
    fn validate(
        &self,
        versioning: &Versioning,
        retry_on_conflict: u32,
        messages: &mut Vec<String>,
    ) {
        if versioning.if_seq_no.is_some() {
            if retry_on_conflict > 0 {
                messages.push("compare and write operations can not be retried".into());
            }
            if self.doc_as_upsert {
                messages.push("compare and write operations can not be used with upsert".into());
            }
            if self.upsert.is_some() {
                messages
                    .push("upsert requests don't support `if_seq_no` and `if_primary_term`".into());
            }
        }
        if self.script {
            messages.push(
                "script is not supported: ironstack runs no scripts, use [doc] for partial updates"
                    .into(),
            );
        } else if self.doc.is_none() {
            messages.push("script or doc is missing".into());
        }
        if self.doc.is_none() && self.doc_as_upsert {
            messages.push("doc must be specified if doc_as_upsert is enabled".into());
        }
    }
}

/// One item of a bulk request.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkItem<'a> {
    /// The 1-based line of the item's action line (for error texts).
    pub line: usize,
    /// What the item does.
    pub action: BulkAction,
    /// `_index` (or the request's default).
    pub index: Option<String>,
    /// `_id`.
    pub id: Option<String>,
    /// `routing` (or the request's default).
    pub routing: Option<String>,
    /// Versioning and concurrency control.
    pub versioning: Versioning,
    /// `pipeline` (or the request's default).
    pub pipeline: Option<String>,
    /// `require_alias`.
    pub require_alias: bool,
    /// `require_data_stream`.
    pub require_data_stream: bool,
    /// `retry_on_conflict` (updates).
    pub retry_on_conflict: u32,
    /// `dynamic_templates`: field path → dynamic template name.
    pub dynamic_templates: BTreeMap<String, String>,
    /// `_source` of the action line (updates: what to return).
    pub source_filter: Option<Value>,
    /// The document line: the raw `_source` of `index`/`create`.
    pub document: Option<&'a [u8]>,
    /// The parsed body of `update`.
    pub update: Option<UpdateBody>,
}

/// Parses a `_bulk` body. Errors are whole-request failures, as in Elasticsearch: framing,
/// malformed action lines, unparsable update bodies; then [`validate`] the items.
pub fn parse<'a>(body: &'a [u8], defaults: &BulkDefaults) -> Result<Vec<BulkItem<'a>>> {
    let mut items = Vec::new();
    let mut lines = Lines::new(body);
    while let Some((line_no, line)) = lines.next_line()? {
        let Some(mut item) = parse_action_line(line_no, line, defaults)? else {
            continue;
        };
        if item.action != BulkAction::Delete {
            // The document line: an item cut off at the end of the body is dropped, as
            // Elasticsearch's parser stops when no further line ends.
            let Some((_, document)) = lines.next_line()? else {
                break;
            };
            if item.action == BulkAction::Update {
                let value = json::from_slice(document)
                    .map_err(|e| StoreError::XContentParse(e.to_string()))?;
                item.update = Some(UpdateBody::parse(&value)?);
            } else {
                item.document = Some(document);
            }
        }
        items.push(item);
    }
    Ok(items)
}

/// `BulkRequest.validate`: every item's problems, numbered, or nothing.
pub fn validate(items: &[BulkItem<'_>]) -> Result<()> {
    let mut messages = Vec::new();
    if items.is_empty() {
        messages.push("no requests added".to_string());
    }
    for item in items {
        if item.index.is_none() {
            messages.push("index is missing".into());
        }
        let id = item.id.as_deref();
        match item.action {
            BulkAction::Index => item
                .versioning
                .validate(WriteKind::Index, id, &mut messages),
            BulkAction::Create => item
                .versioning
                .validate(WriteKind::Create, id, &mut messages),
            BulkAction::Delete => item
                .versioning
                .validate(WriteKind::Delete, id, &mut messages),
            BulkAction::Update => {
                if id.is_none_or(str::is_empty) {
                    messages.push("id is missing".into());
                }
                item.versioning
                    .validate_compare_and_set(MATCH_ANY, &mut messages);
                if let Some(update) = &item.update {
                    update.validate(&item.versioning, item.retry_on_conflict, &mut messages);
                }
                validate_id_length(id, &mut messages);
            }
        }
    }
    if messages.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Validation(messages))
    }
}

/// The lines of an NDJSON body, numbered from 1.
struct Lines<'a> {
    body: &'a [u8],
    from: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(body: &'a [u8]) -> Self {
        Self {
            body,
            from: 0,
            line: 0,
        }
    }

    /// The next line without its `\n` (and `\r`); `None` at the end. A last line without a
    /// newline is Elasticsearch's error.
    fn next_line(&mut self) -> Result<Option<(usize, &'a [u8])>> {
        let rest = &self.body[self.from..];
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            if rest.is_empty() {
                return Ok(None);
            }
            return Err(StoreError::IllegalArgument(
                "The bulk request must be terminated by a newline [\\n]".into(),
            ));
        };
        self.from += end + 1;
        self.line += 1;
        let line = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
        Ok(Some((self.line, line)))
    }
}

fn malformed(line: usize, what: String) -> StoreError {
    StoreError::IllegalArgument(format!("Malformed action/metadata line [{line}], {what}"))
}

/// Parses one action line; `None` for a blank line.
fn parse_action_line<'a>(
    line_no: usize,
    line: &[u8],
    defaults: &BulkDefaults,
) -> Result<Option<BulkItem<'a>>> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value = json::from_slice(line).map_err(|e| StoreError::XContentParse(e.to_string()))?;
    let Value::Object(outer) = value else {
        return Err(malformed(
            line_no,
            format!("expected START_OBJECT but found [{}]", token_name(&value)),
        ));
    };
    let mut entries = outer.into_iter();
    let Some((name, meta)) = entries.next() else {
        return Err(malformed(
            line_no,
            "expected FIELD_NAME but found [END_OBJECT]".into(),
        ));
    };
    let action = match name.as_str() {
        "index" => BulkAction::Index,
        "create" => BulkAction::Create,
        "update" => BulkAction::Update,
        "delete" => BulkAction::Delete,
        _ => {
            return Err(malformed(
                line_no,
                format!(
                    "expected field [create], [delete], [index] or [update] but found [{name}]"
                ),
            ));
        }
    };
    if entries.next().is_some() {
        return Err(malformed(
            line_no,
            "expected END_OBJECT but found [FIELD_NAME]".into(),
        ));
    }
    let meta = match meta {
        Value::Object(m) => m,
        other => {
            return Err(malformed(
                line_no,
                format!(
                    "expected START_OBJECT or END_OBJECT but found [{}]",
                    token_name(&other)
                ),
            ));
        }
    };
    let mut item = BulkItem {
        line: line_no,
        action,
        index: defaults.index.clone(),
        id: None,
        routing: defaults.routing.clone(),
        versioning: Versioning::default(),
        pipeline: defaults.pipeline.clone(),
        require_alias: defaults.require_alias,
        require_data_stream: defaults.require_data_stream,
        retry_on_conflict: 0,
        dynamic_templates: BTreeMap::new(),
        source_filter: None,
        document: None,
        update: None,
    };
    let mut version: Option<i64> = None;
    let mut version_type = VersionType::Internal;
    let mut op_type: Option<WriteKind> = None;
    for (field, value) in meta {
        match (&value, field.as_str()) {
            (Value::Object(_), "_source") => item.source_filter = Some(value),
            (Value::Object(map), "dynamic_templates") => {
                for (path, template) in map {
                    let Value::String(template) = template else {
                        return Err(StoreError::XContentParse(format!(
                            "[dynamic_templates] expected a string value for [{path}]"
                        )));
                    };
                    item.dynamic_templates
                        .insert(path.clone(), template.clone());
                }
            }
            (Value::Array(_), _) => {
                return Err(malformed(
                    line_no,
                    format!("expected a simple value for field [{field}] but found [START_ARRAY]"),
                ));
            }
            (Value::Object(_), _) => {
                return Err(malformed(
                    line_no,
                    format!("expected a simple value for field [{field}] but found [START_OBJECT]"),
                ));
            }
            (Value::Null, _) => {}
            (_, "_index") => {
                if !defaults.allow_explicit_index {
                    return Err(StoreError::IllegalArgument(
                        "explicit index in bulk is not allowed".into(),
                    ));
                }
                item.index = Some(text(&value));
            }
            (_, "_id") => item.id = Some(text(&value)),
            (_, "routing") => item.routing = Some(text(&value)).filter(|r| !r.is_empty()),
            (_, "op_type") => op_type = Some(parse_op_type(&text(&value))?),
            (_, "version") => version = Some(long_value(&field, &value)?),
            (_, "version_type") => version_type = VersionType::parse(&text(&value))?,
            (_, "if_seq_no") => item.versioning.if_seq_no = Some(long_value(&field, &value)?),
            (_, "if_primary_term") => {
                item.versioning.if_primary_term = Some(long_value(&field, &value)?)
            }
            (_, "retry_on_conflict") => {
                item.retry_on_conflict =
                    u32::try_from(long_value(&field, &value)?).unwrap_or(u32::MAX)
            }
            (_, "pipeline") => item.pipeline = Some(text(&value)),
            (_, "_source") => item.source_filter = Some(value),
            (_, "require_alias") => item.require_alias = bool_field(&field, &value)?,
            (_, "require_data_stream") => item.require_data_stream = bool_field(&field, &value)?,
            (_, "list_executed_pipelines") => {
                bool_field(&field, &value)?;
            }
            _ => {
                return Err(StoreError::IllegalArgument(format!(
                    "Action/metadata line [{line_no}] contains an unknown parameter [{field}]"
                )));
            }
        }
    }
    item.versioning.version = version;
    item.versioning.version_type = version_type;
    match item.action {
        BulkAction::Index if op_type == Some(WriteKind::Create) => item.action = BulkAction::Create,
        BulkAction::Delete if !item.dynamic_templates.is_empty() => {
            return Err(StoreError::IllegalArgument(format!(
                "Delete request in line [{line_no}] does not accept dynamic_templates"
            )));
        }
        BulkAction::Update => {
            if version.is_some() || version_type != VersionType::Internal {
                return Err(StoreError::IllegalArgument(
                    "Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead".into(),
                ));
            }
            if item.require_data_stream {
                return Err(StoreError::IllegalArgument(
                    "Update requests do not support the `require_data_stream` flag, as data streams do not support update operations".into(),
                ));
            }
            if !item.dynamic_templates.is_empty() {
                return Err(StoreError::IllegalArgument(format!(
                    "Update request in line [{line_no}] does not accept dynamic_templates"
                )));
            }
        }
        _ => {}
    }
    Ok(Some(item))
}

/// A scalar's text as Elasticsearch's `parser.text()` gives it.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn long_value(field: &str, value: &Value) -> Result<i64> {
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        StoreError::XContentParse(format!(
            "[{field}] failed to parse field [{field}]: For input string: \"{}\"",
            text(value)
        ))
    })
}

fn bool_field(field: &str, value: &Value) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(StoreError::XContentParse(format!(
            "[{field}] Failed to parse value [{}] as only [true] or [false] are allowed.",
            text(other)
        ))),
    }
}

fn object_field(field: &str, value: &Value) -> Result<Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map.clone()),
        other => Err(StoreError::XContentParse(format!(
            "[UpdateRequest] {field} doesn't support values of type: {}",
            token_name(other)
        ))),
    }
}

/// Jackson's token name for the start of `value`.
fn token_name(value: &Value) -> &'static str {
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

#[cfg(test)]
#[path = "bulk_tests.rs"]
mod tests;
