//! The one tantivy schema every index uses, and how a typed document becomes a tantivy
//! document. Elasticsearch mappings change at run time and tantivy schemas cannot, so values
//! go into JSON fields keyed by their dotted path:
//! - `kw`: keywords, booleans and IPs, indexed as one term (raw tokenizer) and kept in a fast
//!   column per path for ranges, sorting and aggregations;
//! - `num`: numbers and dates, in a fast column per path only. Lucene keeps these as points
//!   and doc values, not terms; here every query on them (term, terms, range) is a range over
//!   the column, so terms in the inverted index would only cost: most numbers are unique
//!   (percentages, byte counts), and unique terms make indexing and merging about 1.7x slower.
//!   Indices created before `num` existed keep their numbers in `kw`, which serves the same
//!   queries ([`Fields::values`]);
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

use super::FieldKind;

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
    /// `None` in indices created before the field existed.
    pub num: Option<Field>,
    pub txt: Field,
    pub text: [Field; TEXT_SLOTS],
}

/// Text fields with their own BM25 statistics.
pub(crate) const TEXT_SLOTS: usize = 16;

pub(crate) const KW: &str = "kw";
pub(crate) const NUM: &str = "num";
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
    b.add_json_field(
        NUM,
        JsonObjectOptions::default()
            .set_fast("raw")
            .set_expand_dots_enabled(),
    );
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
            num: schema.get_field(NUM).ok(),
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

impl Fields {
    /// The JSON field that holds values of `kind`.
    pub(crate) fn values(&self, kind: FieldKind) -> Field {
        match (kind, self.num) {
            (
                FieldKind::Long
                | FieldKind::UnsignedLong
                | FieldKind::Double
                | FieldKind::Date
                | FieldKind::DateNanos,
                Some(num),
            ) => num,
            _ => self.kw,
        }
    }

    /// The fast column of `path`'s values of `kind`, as tantivy names it.
    pub(crate) fn column(&self, kind: FieldKind, path: &str) -> String {
        let root = if self.values(kind) == self.kw {
            KW
        } else {
            NUM
        };
        format!("{root}.{path}")
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
    // This runs once per written document on the request threads: plain vectors sorted once
    // instead of maps keyed by owned strings (a third of the request threads' time went to
    // building and collapsing those).
    let mut doc = TantivyDocument::new();
    let mut kw: Vec<(&str, OwnedValue)> = Vec::with_capacity(values.len());
    let mut txt: Vec<(&str, OwnedValue)> = Vec::new();
    let mut num: Vec<(&str, OwnedValue)> = Vec::with_capacity(values.len());
    let split = fields.num.is_some();
    let mut names: Vec<&str> = Vec::with_capacity(values.len() * 2);
    for f in values {
        if !f.indexed && !f.doc_values {
            continue;
        }
        let path = f.path.as_str();
        names.push(path);
        for (i, c) in path.char_indices() {
            if c == '.' {
                names.push(&path[..i]);
            }
        }
        let numbers = if split { &mut num } else { &mut kw };
        let (list, value) = match &f.value {
            IndexedValue::Keyword(s) => (&mut kw, OwnedValue::Str(s.clone())),
            IndexedValue::Text(s) => match slots.get(path).and_then(|n| fields.text.get(*n)) {
                Some(field) => {
                    doc.add_text(*field, s);
                    continue;
                }
                None => (&mut txt, OwnedValue::Str(s.clone())),
            },
            IndexedValue::Long(v) => (numbers, OwnedValue::I64(*v)),
            IndexedValue::UnsignedLong(v) => (numbers, OwnedValue::U64(*v)),
            IndexedValue::Double(v) => (numbers, OwnedValue::F64(*v)),
            IndexedValue::Date(d) => (numbers, OwnedValue::Date(date_value(*d))),
            IndexedValue::Boolean(v) => (&mut kw, OwnedValue::Bool(*v)),
            IndexedValue::Ip(ip) => (&mut kw, OwnedValue::Str(ip_to_hex(ip))),
        };
        list.push((path, value));
    }
    names.sort_unstable();
    names.dedup();
    for name in names {
        doc.add_text(fields.field_names, name);
    }
    for name in ignored {
        doc.add_text(fields.ignored, name);
    }
    for (field, list) in [
        (Some(fields.kw), kw),
        (Some(fields.txt), txt),
        (fields.num, num),
    ] {
        if let (Some(field), false) = (field, list.is_empty()) {
            doc.add_field_value(field, &json_object(list));
        }
    }
    doc
}

/// One JSON object of `(path, value)` pairs: keys in order, the values of a path repeated
/// (arrays, multi-fields) as one array in the order they came.
fn json_object(mut list: Vec<(&str, OwnedValue)>) -> OwnedValue {
    list.sort_by(|a, b| a.0.cmp(b.0));
    let mut object: Vec<(String, OwnedValue)> = Vec::with_capacity(list.len());
    for (path, value) in list {
        match object.last_mut() {
            Some((last, existing)) if last == path => match existing {
                OwnedValue::Array(values) => values.push(value),
                single => {
                    let first = std::mem::replace(single, OwnedValue::Null);
                    *single = OwnedValue::Array(vec![first, value]);
                }
            },
            _ => object.push((path.to_string(), value)),
        }
    }
    OwnedValue::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Indexes one document with a number, a date and a keyword into an index of `schema`,
    /// then counts the documents a range over each number's column matches.
    fn numbers_in(schema: Schema) -> (Fields, Vec<usize>, bool) {
        use std::ops::Bound;
        use tantivy::collector::Count;
        use tantivy::query::RangeQuery;

        let index = tantivy::Index::create_in_ram(schema);
        index
            .tokenizers()
            .register(STANDARD, super::super::analysis::standard_analyzer());
        let fields = Fields::resolve(&index.schema()).expect("fields");
        let values = vec![
            FieldValue {
                path: "n".into(),
                value: IndexedValue::Long(42),
                indexed: true,
                doc_values: true,
            },
            FieldValue {
                path: "at".into(),
                value: IndexedValue::Date(DateValue::Millis(1_000)),
                indexed: true,
                doc_values: true,
            },
            FieldValue {
                path: "host".into(),
                value: IndexedValue::Keyword("a".into()),
                indexed: true,
                doc_values: true,
            },
        ];
        let mut writer: tantivy::IndexWriter = index.writer(15 << 20).expect("writer");
        writer
            .add_document(to_tantivy(&fields, &BTreeMap::new(), &values, &[]))
            .expect("add");
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let term = |kind, path: &str, value: tantivy::schema::OwnedValue| {
            let mut t = tantivy::Term::from_field_json_path(fields.values(kind), path, true);
            match value {
                OwnedValue::I64(v) => t.append_type_and_fast_value(v),
                OwnedValue::Date(v) => t.append_type_and_fast_value(v),
                _ => unreachable!(),
            }
            t
        };
        let mut counts = Vec::new();
        for (kind, path, lo, hi) in [
            (
                FieldKind::Long,
                "n",
                OwnedValue::I64(40),
                OwnedValue::I64(42),
            ),
            (
                FieldKind::Long,
                "n",
                OwnedValue::I64(43),
                OwnedValue::I64(50),
            ),
            (
                FieldKind::Date,
                "at",
                OwnedValue::Date(DateTime::from_timestamp_millis(0)),
                OwnedValue::Date(DateTime::from_timestamp_millis(1_000)),
            ),
        ] {
            let q = RangeQuery::new(
                Bound::Included(term(kind, path, lo)),
                Bound::Included(term(kind, path, hi)),
            );
            counts.push(searcher.search(&q, &Count).expect("search"));
        }
        let segment = searcher.segment_reader(0);
        let column = segment
            .fast_fields()
            .i64(&fields.column(FieldKind::Long, "n"))
            .ok()
            .and_then(|c| c.first(0));
        (fields, counts, column == Some(42))
    }

    #[test]
    fn repeated_paths_become_one_array_in_the_order_they_came() {
        let object = json_object(vec![
            ("tags", OwnedValue::Str("b".into())),
            ("host.name", OwnedValue::Str("h".into())),
            ("tags", OwnedValue::Str("a".into())),
            ("tags", OwnedValue::Str("c".into())),
        ]);
        assert_eq!(
            object,
            OwnedValue::Object(vec![
                ("host.name".into(), OwnedValue::Str("h".into())),
                (
                    "tags".into(),
                    OwnedValue::Array(vec![
                        OwnedValue::Str("b".into()),
                        OwnedValue::Str("a".into()),
                        OwnedValue::Str("c".into()),
                    ])
                ),
            ])
        );
    }

    #[test]
    fn numbers_and_dates_live_in_columns_of_num_and_in_kw_in_older_indices() {
        let (fields, counts, column) = numbers_in(build_schema());
        assert!(fields.num.is_some());
        assert_eq!(fields.column(FieldKind::Double, "x"), "num.x");
        assert_eq!(fields.column(FieldKind::DateNanos, "x"), "num.x");
        assert_eq!(fields.column(FieldKind::Keyword, "x"), "kw.x");
        assert_eq!(fields.column(FieldKind::Boolean, "x"), "kw.x");
        assert_eq!(fields.column(FieldKind::Ip, "x"), "kw.x");
        assert_eq!(counts, vec![1, 0, 1]);
        assert!(column);

        // An index made before `num` existed: the same queries over `kw`.
        let current = build_schema();
        let mut older = Schema::builder();
        for (_, entry) in current.fields() {
            if entry.name() != NUM {
                older.add_field(entry.clone());
            }
        }
        let (fields, counts, column) = numbers_in(older.build());
        assert!(fields.num.is_none());
        assert_eq!(fields.column(FieldKind::Long, "x"), "kw.x");
        assert_eq!(counts, vec![1, 0, 1]);
        assert!(column);
    }

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
