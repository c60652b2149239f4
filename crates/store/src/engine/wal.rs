//! The write-ahead log and realtime document table of one index, in that index's own redb
//! file (`wal.redb`), and the byte layouts of what it holds.
//!
//! One file per index rather than one per data folder: deleting an index then frees its disk
//! at once (redb never shrinks a file), a damaged file takes down one index, not every one,
//! and each index gets its own writer thread, so writes to different indices do not queue
//! behind each other's fsync. A `_bulk` over several indices pays one fsync per index.
//!
//! Tables:
//! - `docs`: `_id` → [`DocRecord`] (versions, `_source`, delete tombstones kept for
//!   `index.gc_deletes`); authoritative for realtime `GET`, `if_seq_no` and versions;
//! - `ops`: `_seq_no` → [`OpRecord`], every operation not yet in a tantivy commit, with the
//!   typed fields to index it again; replayed at open, pruned once a tantivy commit holds it;
//! - `meta`: the index's identity, settings, counters and the caller's metadata.

use redb::{ReadableDatabase, TableDefinition};

use crate::document::{DateValue, FieldValue, IndexedValue, ParsedDocument};
use crate::error::{Result, StoreError};

/// `_id` → [`DocRecord`] bytes.
pub(crate) const DOCS: TableDefinition<&str, &[u8]> = TableDefinition::new("docs");
/// `_seq_no` → [`OpRecord`] bytes.
pub(crate) const OPS: TableDefinition<u64, &[u8]> = TableDefinition::new("ops");
/// Named values (`name`, `uuid`, `settings`, `next_seq_no`, `primary_term`, ...).
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

pub(crate) fn storage<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> StoreError + '_ {
    move |e| StoreError::Storage(format!("{what}: {e}"))
}

/// A document's current state in `docs`: its versions, or a delete tombstone. The
/// `_source` lives in the log entry of its `_seq_no` until a tantivy commit holds it, then in
/// tantivy's document store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DocRecord {
    pub version: u64,
    pub seq_no: u64,
    pub primary_term: u64,
    /// `Some(epoch ms)` for a delete tombstone.
    pub deleted_at: Option<i64>,
}

impl DocRecord {
    pub(crate) fn encode(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        out[0..8].copy_from_slice(&self.version.to_le_bytes());
        out[8..16].copy_from_slice(&self.seq_no.to_le_bytes());
        out[16..24].copy_from_slice(&self.primary_term.to_le_bytes());
        out[24] = u8::from(self.deleted_at.is_some());
        out[25..33].copy_from_slice(&self.deleted_at.unwrap_or(0).to_le_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let version = r.u64()?;
        let seq_no = r.u64()?;
        let primary_term = r.u64()?;
        let deleted = r.u8()? != 0;
        let deleted_at = r.i64()?;
        Ok(Self {
            version,
            seq_no,
            primary_term,
            deleted_at: deleted.then_some(deleted_at),
        })
    }
}

/// One operation of the log.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpRecord {
    pub id: String,
    pub version: u64,
    pub primary_term: u64,
    /// `_source` and typed fields of an index operation; `None` for a delete.
    pub index: Option<(Vec<u8>, EncodedFields)>,
}

/// A [`ParsedDocument`]'s indexable part (fields and `_ignored`), encoded once by the caller.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct EncodedFields(pub Vec<u8>);

impl OpRecord {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let (source, fields) = self
            .index
            .as_ref()
            .map_or((&[][..], &[][..]), |(s, f)| (&s[..], &f.0[..]));
        let mut out = Vec::with_capacity(40 + self.id.len() + source.len() + fields.len());
        out.push(u8::from(self.index.is_some()));
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.primary_term.to_le_bytes());
        put_str(&mut out, &self.id);
        out.extend_from_slice(&(source.len() as u32).to_le_bytes());
        out.extend_from_slice(source);
        out.extend_from_slice(fields);
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let is_index = r.u8()? != 0;
        let version = r.u64()?;
        let primary_term = r.u64()?;
        let id = r.str()?.to_string();
        let source_len = r.u32()? as usize;
        let source = r.take(source_len)?.to_vec();
        let rest = r.rest();
        Ok(Self {
            id,
            version,
            primary_term,
            index: is_index.then(|| (source, EncodedFields(rest.to_vec()))),
        })
    }
}

const TAG_KEYWORD: u8 = 1;
const TAG_TEXT: u8 = 2;
const TAG_LONG: u8 = 3;
const TAG_ULONG: u8 = 4;
const TAG_DOUBLE: u8 = 5;
const TAG_BOOL: u8 = 6;
const TAG_MILLIS: u8 = 7;
const TAG_NANOS: u8 = 8;
const TAG_IP: u8 = 9;

impl EncodedFields {
    pub(crate) fn encode(doc: &ParsedDocument) -> Self {
        let mut out = Vec::with_capacity(64 * doc.fields.len());
        out.extend_from_slice(&(doc.ignored.len() as u32).to_le_bytes());
        for name in &doc.ignored {
            put_str(&mut out, name);
        }
        out.extend_from_slice(&(doc.fields.len() as u32).to_le_bytes());
        for f in &doc.fields {
            put_str(&mut out, &f.path);
            out.push(u8::from(f.indexed) | (u8::from(f.doc_values) << 1));
            match &f.value {
                IndexedValue::Keyword(s) => {
                    out.push(TAG_KEYWORD);
                    put_str(&mut out, s);
                }
                IndexedValue::Text(s) => {
                    out.push(TAG_TEXT);
                    put_str(&mut out, s);
                }
                IndexedValue::Long(v) => {
                    out.push(TAG_LONG);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                IndexedValue::UnsignedLong(v) => {
                    out.push(TAG_ULONG);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                IndexedValue::Double(v) => {
                    out.push(TAG_DOUBLE);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                IndexedValue::Boolean(v) => {
                    out.push(TAG_BOOL);
                    out.push(u8::from(*v));
                }
                IndexedValue::Date(DateValue::Millis(v)) => {
                    out.push(TAG_MILLIS);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                IndexedValue::Date(DateValue::Nanos(v)) => {
                    out.push(TAG_NANOS);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                IndexedValue::Ip(ip) => {
                    out.push(TAG_IP);
                    out.extend_from_slice(&ip.octets());
                }
            }
        }
        Self(out)
    }

    /// The fields and `_ignored` names back.
    pub(crate) fn decode(&self) -> Result<(Vec<FieldValue>, Vec<String>)> {
        let mut r = Reader::new(&self.0);
        let ignored_count = r.u32()? as usize;
        let mut ignored = Vec::with_capacity(ignored_count.min(1024));
        for _ in 0..ignored_count {
            ignored.push(r.str()?.to_string());
        }
        let count = r.u32()? as usize;
        let mut fields = Vec::with_capacity(count.min(4096));
        for _ in 0..count {
            let path = r.str()?.to_string();
            let flags = r.u8()?;
            let value = match r.u8()? {
                TAG_KEYWORD => IndexedValue::Keyword(r.str()?.to_string()),
                TAG_TEXT => IndexedValue::Text(r.str()?.to_string()),
                TAG_LONG => IndexedValue::Long(r.i64()?),
                TAG_ULONG => IndexedValue::UnsignedLong(r.u64()?),
                TAG_DOUBLE => IndexedValue::Double(f64::from_bits(r.u64()?)),
                TAG_BOOL => IndexedValue::Boolean(r.u8()? != 0),
                TAG_MILLIS => IndexedValue::Date(DateValue::Millis(r.i64()?)),
                TAG_NANOS => IndexedValue::Date(DateValue::Nanos(r.i64()?)),
                TAG_IP => {
                    let b = r.take(16)?;
                    let mut octets = [0u8; 16];
                    octets.copy_from_slice(b);
                    IndexedValue::Ip(octets.into())
                }
                other => return Err(corrupt(&format!("unknown value tag {other}"))),
            };
            fields.push(FieldValue {
                path,
                value,
                indexed: flags & 1 != 0,
                doc_values: flags & 2 != 0,
            });
        }
        Ok((fields, ignored))
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Storage(format!("damaged write-ahead log record: {what}"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| corrupt("truncated"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    fn i64(&mut self) -> Result<i64> {
        Ok(self.u64()? as i64)
    }

    fn str(&mut self) -> Result<&'a str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.take(len)?).map_err(|_| corrupt("invalid UTF-8"))
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at..]
    }
}

/// Reads a `u64` from `meta`.
pub(crate) fn meta_u64(bytes: Option<&[u8]>) -> u64 {
    match bytes {
        Some(b) if b.len() == 8 => {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_le_bytes(a)
        }
        _ => 0,
    }
}

/// Reads one `meta` value from a committed state.
pub(crate) fn read_meta(db: &redb::Database, key: &str) -> Result<Option<Vec<u8>>> {
    let txn = db.begin_read().map_err(storage("reading the log"))?;
    let table = match txn.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(StoreError::Storage(format!("reading the log: {e}"))),
    };
    let value = table
        .get(key)
        .map_err(storage("reading the log"))?
        .map(|v| v.value().to_vec());
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_truncation_is_an_error() {
        let doc = DocRecord {
            version: 3,
            seq_no: 9,
            primary_term: 2,
            deleted_at: Some(1234),
        };
        assert_eq!(DocRecord::decode(&doc.encode()).ok(), Some(doc));
        let parsed = ParsedDocument {
            fields: vec![
                FieldValue {
                    path: "a.b".into(),
                    value: IndexedValue::Keyword("x".into()),
                    indexed: true,
                    doc_values: false,
                },
                FieldValue {
                    path: "ip".into(),
                    value: IndexedValue::Ip(
                        "::ffff:10.0.0.1"
                            .parse()
                            .unwrap_or(std::net::Ipv6Addr::LOCALHOST),
                    ),
                    indexed: false,
                    doc_values: true,
                },
                FieldValue {
                    path: "d".into(),
                    value: IndexedValue::Double(1.5),
                    indexed: true,
                    doc_values: true,
                },
                FieldValue {
                    path: "t".into(),
                    value: IndexedValue::Date(DateValue::Nanos(-5)),
                    indexed: true,
                    doc_values: true,
                },
            ],
            mapping_update: None,
            ignored: vec!["big".into()],
        };
        let op = OpRecord {
            id: "7".into(),
            version: 1,
            primary_term: 1,
            index: Some((br#"{"a":"x"}"#.to_vec(), EncodedFields::encode(&parsed))),
        };
        let back = OpRecord::decode(&op.encode()).expect("decodes");
        assert_eq!(back, op);
        let (source, encoded) = back.index.expect("index op");
        assert_eq!(source, br#"{"a":"x"}"#.to_vec());
        let (fields, ignored) = encoded.decode().expect("fields");
        assert_eq!(fields, parsed.fields);
        assert_eq!(ignored, parsed.ignored);
        let encoded = op.encode();
        for cut in 0..encoded.len() {
            let partial = OpRecord::decode(&encoded[..cut]);
            if let Ok(p) = partial
                && let Some((_, f)) = p.index
            {
                assert!(f.decode().is_err() || cut == encoded.len());
            }
        }
        assert!(DocRecord::decode(&[1, 2, 3]).is_err());
    }
}
