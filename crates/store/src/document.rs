//! A document as its index's mapping types it: the flat list of values to index, with the
//! mapping update a dynamic field requires. [`crate::mapping`] produces it from a `_source`;
//! the engine indexes it. Neither side needs to know the other's internals.

use std::net::Ipv6Addr;

/// One value of one field, typed by the mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexedValue {
    /// `keyword` (after `ignore_above` and normalizers): indexed as one term, with doc values.
    Keyword(String),
    /// `text` / `match_only_text`: analysed with the field's analyzer (standard by default).
    Text(String),
    /// `long`, `integer`, `short`, `byte`, and `scaled_float` (as its scaled long).
    Long(i64),
    /// `unsigned_long`.
    UnsignedLong(u64),
    /// `double`, `float`, `half_float` (rounded to their precision by the mapping).
    Double(f64),
    /// `boolean`.
    Boolean(bool),
    /// `date` (milliseconds since the epoch) and `date_nanos` (nanoseconds), as
    /// [`DateValue`] says.
    Date(DateValue),
    /// `ip`, IPv4 as IPv4-mapped IPv6.
    Ip(Ipv6Addr),
}

/// A date value with its resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateValue {
    /// `date`: milliseconds since the epoch.
    Millis(i64),
    /// `date_nanos`: nanoseconds since the epoch.
    Nanos(i64),
}

/// A field value with where it goes: `path` is the full dotted name as queries and
/// aggregations use it, multi-fields included (`host.name`, `host.name.keyword`,
/// `message`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    /// Full dotted path.
    pub path: String,
    /// The typed value.
    pub value: IndexedValue,
    /// Whether the field is searchable (`index: true`).
    pub indexed: bool,
    /// Whether the field has doc values (sorting, aggregations).
    pub doc_values: bool,
}

/// The result of parsing one `_source` against a mapping.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedDocument {
    /// Every value to index, in document order; an array gives one entry per element.
    pub fields: Vec<FieldValue>,
    /// The mapping update this document needs (new dynamic fields), as a mapping JSON
    /// fragment to merge (`{"properties":{...}}`); `None` when it fits the mapping as is.
    pub mapping_update: Option<serde_json::Value>,
    /// Fields skipped by `ignore_malformed` or `ignore_above` (the hit's `_ignored`).
    pub ignored: Vec<String>,
}
