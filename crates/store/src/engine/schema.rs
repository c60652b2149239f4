//! The one tantivy schema every index uses, and how a typed document becomes a tantivy
//! document. Elasticsearch mappings change at run time and tantivy schemas cannot, so values
//! go into JSON fields keyed by their dotted path:
//! - `kw`: every exact value (keyword, numbers, booleans, dates, IPs), indexed as one term
//!   (raw tokenizer) and kept in a fast column per path for ranges, sorting and aggregations;
//! - `t0`..`t15`: `text` values, analysed by the standard analyzer with positions for
//!   phrases, one plain field per text path (the index assigns them in order of first use
//!   and keeps the assignment in its log), so that BM25's length normalisation is per field
//!   as in Lucene; tantivy's JSON fields keep one length per document for all their paths;
//! - `txt`: the same for text paths beyond the sixteenth;
//! - `_field_names`: each path that holds a value, and its parent objects (`exists`);
//! - `_id` (term + fast column), `_seq_no`, `_version`, `_primary_term` (fast), `_ignored`;
//! - `_source`: the document as sent, in tantivy's document store (compressed in blocks of
//!   neighbouring documents, which share most of their keys).
//!
//! IPs are kept as 32 hexadecimal digits of their IPv6 form: tantivy's JSON fields cannot hold
//! IP values, and fixed-width hex sorts and ranges like the address itself.

use std::collections::BTreeMap;
use std::net::Ipv6Addr;

use tantivy::schema::{
    FAST, Field, IndexRecordOption, JsonObjectOptions, OwnedValue, STRING, Schema,
    TextFieldIndexing,
};
use tantivy::{DateTime, TantivyDocument};

use crate::document::{DateValue, FieldValue, IndexedValue};

use super::analysis::STANDARD;

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub seq_no: Field,
    pub version: Field,
    pub primary_term: Field,
    pub field_names: Field,
    pub ignored: Field,
    pub source: Field,
    pub kw: Field,
    pub txt: Field,
    pub text: [Field; TEXT_SLOTS],
}

/// Text fields with their own BM25 statistics.
pub(crate) const TEXT_SLOTS: usize = 16;

pub(crate) const KW: &str = "kw";
pub(crate) const TXT: &str = "txt";
pub(crate) const ID: &str = "_id";
pub(crate) const SEQ_NO: &str = "_seq_no";
pub(crate) const VERSION: &str = "_version";
pub(crate) const PRIMARY_TERM: &str = "_primary_term";
pub(crate) const IGNORED: &str = "_ignored";
pub(crate) const SOURCE: &str = "_source";

/// How the document store compresses: LZ4 over 64 KB blocks (tens of documents each), a
/// balance between bytes on disk and the cost of reading one `_source`.
pub(crate) fn index_settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings {
        docstore_blocksize: 64 * 1024,
        ..tantivy::IndexSettings::default()
    }
}

pub(crate) fn build_schema() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field(ID, STRING | FAST);
    b.add_u64_field(SEQ_NO, FAST);
    b.add_u64_field(VERSION, FAST);
    b.add_u64_field(PRIMARY_TERM, FAST);
    b.add_text_field("_field_names", STRING);
    b.add_text_field(IGNORED, STRING | FAST);
    b.add_bytes_field(SOURCE, tantivy::schema::STORED);
    let kw = JsonObjectOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
        .set_fast("raw")
        .set_expand_dots_enabled();
    b.add_json_field(KW, kw);
    let txt = JsonObjectOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(STANDARD)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_expand_dots_enabled();
    b.add_json_field(TXT, txt);
    for slot in 0..TEXT_SLOTS {
        b.add_text_field(
            &format!("t{slot}"),
            tantivy::schema::TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(STANDARD)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
    }
    b.build()
}

impl Fields {
    pub(crate) fn resolve(schema: &Schema) -> tantivy::Result<Self> {
        Ok(Self {
            id: schema.get_field(ID)?,
            seq_no: schema.get_field(SEQ_NO)?,
            version: schema.get_field(VERSION)?,
            primary_term: schema.get_field(PRIMARY_TERM)?,
            field_names: schema.get_field("_field_names")?,
            ignored: schema.get_field(IGNORED)?,
            source: schema.get_field(SOURCE)?,
            kw: schema.get_field(KW)?,
            txt: schema.get_field(TXT)?,
            text: {
                let mut text = [Field::from_field_id(0); TEXT_SLOTS];
                for (slot, f) in text.iter_mut().enumerate() {
                    *f = schema.get_field(&format!("t{slot}"))?;
                }
                text
            },
        })
    }
}

/// An IP as its sortable 32-hex-digit form.
pub(crate) fn ip_to_hex(ip: &Ipv6Addr) -> String {
    let mut out = String::with_capacity(32);
    for b in ip.octets() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The IP a [`ip_to_hex`] string holds, shown as Elasticsearch shows it (IPv4 dotted).
pub(crate) fn hex_to_ip(hex: &str) -> Option<std::net::IpAddr> {
    if hex.len() != 32 {
        return None;
    }
    let mut octets = [0u8; 16];
    for (i, o) in octets.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    let v6 = Ipv6Addr::from(octets);
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => std::net::IpAddr::V4(v4),
        None => std::net::IpAddr::V6(v6),
    })
}

pub(crate) fn date_value(d: DateValue) -> DateTime {
    match d {
        DateValue::Millis(ms) => DateTime::from_timestamp_millis(ms),
        DateValue::Nanos(ns) => DateTime::from_timestamp_nanos(ns),
    }
}

/// The tantivy document for a typed document, without its metadata fields (the writer thread
/// adds those once the `_seq_no` is known).
pub(crate) fn to_tantivy(
    fields: &Fields,
    slots: &BTreeMap<String, usize>,
    values: &[FieldValue],
    ignored: &[String],
) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    let mut kw: BTreeMap<String, Vec<OwnedValue>> = BTreeMap::new();
    let mut txt: BTreeMap<String, Vec<OwnedValue>> = BTreeMap::new();
    let mut names: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for f in values {
        if !f.indexed && !f.doc_values {
            continue;
        }
        let path = f.path.as_str();
        names.insert(path);
        for (i, c) in path.char_indices() {
            if c == '.' {
                names.insert(&path[..i]);
            }
        }
        let (map, value) = match &f.value {
            IndexedValue::Keyword(s) => (&mut kw, OwnedValue::Str(s.clone())),
            IndexedValue::Text(s) => match slots.get(path).and_then(|n| fields.text.get(*n)) {
                Some(field) => {
                    doc.add_text(*field, s);
                    continue;
                }
                None => (&mut txt, OwnedValue::Str(s.clone())),
            },
            IndexedValue::Long(v) => (&mut kw, OwnedValue::I64(*v)),
            IndexedValue::UnsignedLong(v) => (&mut kw, OwnedValue::U64(*v)),
            IndexedValue::Double(v) => (&mut kw, OwnedValue::F64(*v)),
            IndexedValue::Boolean(v) => (&mut kw, OwnedValue::Bool(*v)),
            IndexedValue::Date(d) => (&mut kw, OwnedValue::Date(date_value(*d))),
            IndexedValue::Ip(ip) => (&mut kw, OwnedValue::Str(ip_to_hex(ip))),
        };
        map.entry(f.path.clone()).or_default().push(value);
    }
    for name in names {
        doc.add_text(fields.field_names, name);
    }
    for name in ignored {
        doc.add_text(fields.ignored, name);
    }
    let collapse = |map: BTreeMap<String, Vec<OwnedValue>>| -> BTreeMap<String, OwnedValue> {
        map.into_iter()
            .map(|(k, mut v)| {
                let value = if v.len() == 1 {
                    v.pop().unwrap_or(OwnedValue::Null)
                } else {
                    OwnedValue::Array(v)
                };
                (k, value)
            })
            .collect()
    };
    if !kw.is_empty() {
        doc.add_object(fields.kw, collapse(kw));
    }
    if !txt.is_empty() {
        doc.add_object(fields.txt, collapse(txt));
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_hex_sorts_like_the_address_and_round_trips() {
        let a: Ipv6Addr = "::ffff:10.0.0.2".parse().expect("ip");
        let b: Ipv6Addr = "::ffff:10.0.0.10".parse().expect("ip");
        assert!(ip_to_hex(&a) < ip_to_hex(&b));
        assert_eq!(
            hex_to_ip(&ip_to_hex(&b)).map(|i| i.to_string()),
            Some("10.0.0.10".into())
        );
        let c: Ipv6Addr = "2001:db8::1".parse().expect("ip");
        assert_eq!(
            hex_to_ip(&ip_to_hex(&c)).map(|i| i.to_string()),
            Some("2001:db8::1".into())
        );
        assert_eq!(hex_to_ip("zz"), None);
    }
}
