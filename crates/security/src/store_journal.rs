//! The security store's journal files: `journal-<base>.log` under the store folder, each a
//! 16-byte header (magic, base sequence number) followed by one checksummed record per
//! committed change, and the reading of such a file back, telling a torn final record (never
//! acknowledged: dropped) from damage in the middle (an error).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::Section;

/// First bytes of every journal file.
const FILE_MAGIC: &[u8; 8] = b"ISJRNL01";
/// Length of the file header: magic and the base sequence number.
pub(super) const HEADER_LEN: u64 = 16;
/// First bytes of every record, so that a scan past damage can find record starts.
const RECORD_MAGIC: [u8; 4] = *b"ISJR";
/// Record magic, payload length, CRC-32 of length and payload.
const FRAME_LEN: usize = 12;
/// No change is this large; a length field above it is damage, not a record.
const MAX_PAYLOAD: usize = 256 << 20;

const PREFIX: &str = "journal-";
const SUFFIX: &str = ".log";

/// One document change: `doc` is the new document, `None` a removal.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// The section it belongs to.
    pub section: Section,
    /// Its id in the section.
    pub id: String,
    /// The new document; `None` removes it.
    pub doc: Option<Value>,
}

/// One committed change set (a transaction), numbered by the store's sequence.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Record {
    pub(super) seq: u64,
    pub(super) ops: Vec<Op>,
}

/// The file name of the journal that follows the state at sequence `base`.
pub(super) fn file_name(base: u64) -> String {
    format!("{PREFIX}{base:020}{SUFFIX}")
}

fn parse_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The journal files of `dir` as `(base, path)`, oldest first; none when `dir` is missing.
pub(super) fn list(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        if let Some(base) = entry.file_name().to_str().and_then(parse_name) {
            out.push((base, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The header of a new journal following sequence `base`.
pub(super) fn header(base: u64) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    h[..8].copy_from_slice(FILE_MAGIC);
    h[8..].copy_from_slice(&base.to_le_bytes());
    h
}

#[derive(Serialize)]
struct OpOut<'a> {
    s: &'static str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    put: Option<&'a Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    delete: bool,
}

#[derive(Serialize)]
struct RecordOut<'a> {
    seq: u64,
    ops: Vec<OpOut<'a>>,
}

/// The framed bytes of a record.
pub(super) fn encode(seq: u64, ops: &[Op]) -> Result<Vec<u8>, String> {
    let out = RecordOut {
        seq,
        ops: ops
            .iter()
            .map(|op| OpOut {
                s: op.section.name(),
                id: &op.id,
                put: op.doc.as_ref(),
                delete: op.doc.is_none(),
            })
            .collect(),
    };
    let payload = serde_json::to_vec(&out).map_err(|e| e.to_string())?;
    if payload.len() > MAX_PAYLOAD {
        return Err(format!(
            "a change of {} bytes is larger than the journal accepts ({MAX_PAYLOAD} bytes)",
            payload.len()
        ));
    }
    let len = (payload.len() as u32).to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len);
    crc.update(&payload);
    let mut framed = Vec::with_capacity(FRAME_LEN + payload.len());
    framed.extend_from_slice(&RECORD_MAGIC);
    framed.extend_from_slice(&len);
    framed.extend_from_slice(&crc.finalize().to_le_bytes());
    framed.extend_from_slice(&payload);
    Ok(framed)
}

/// The payload of an intact frame at the start of `bytes` and the frame's total length, or
/// `None` when the bytes there are not a whole record with a matching checksum.
fn frame(bytes: &[u8]) -> Option<(&[u8], usize)> {
    if bytes.len() < FRAME_LEN || bytes[..4] != RECORD_MAGIC {
        return None;
    }
    let len_bytes: [u8; 4] = bytes[4..8].try_into().ok()?;
    let len = u32::from_le_bytes(len_bytes) as usize;
    if len > MAX_PAYLOAD || bytes.len() - FRAME_LEN < len {
        return None;
    }
    let expected = u32::from_le_bytes(bytes[8..12].try_into().ok()?);
    let payload = &bytes[FRAME_LEN..FRAME_LEN + len];
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len_bytes);
    crc.update(payload);
    (crc.finalize() == expected).then_some((payload, FRAME_LEN + len))
}

fn decode(payload: &[u8]) -> Result<Record, String> {
    let v: Value = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    let seq = v
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or("no [seq] number")?;
    let ops = v
        .get("ops")
        .and_then(Value::as_array)
        .ok_or("no [ops] list")?;
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let name = op
            .get("s")
            .and_then(Value::as_str)
            .ok_or("an op without [s]")?;
        let section =
            Section::from_name(name).ok_or_else(|| format!("unknown section [{name}]"))?;
        let id = op
            .get("id")
            .and_then(Value::as_str)
            .ok_or("an op without [id]")?
            .to_string();
        let doc = match (op.get("put"), op.get("delete").and_then(Value::as_bool)) {
            (Some(doc), None) => Some(doc.clone()),
            (None, Some(true)) => None,
            _ => return Err(format!("op on [{name}/{id}] is neither a put nor a delete")),
        };
        out.push(Op { section, id, doc });
    }
    Ok(Record { seq, ops: out })
}

/// What reading a journal found.
#[derive(Debug)]
pub(super) struct Scanned {
    /// The intact records, in file order.
    pub(super) records: Vec<Record>,
    /// Where the intact part ends; less than the file length when a torn tail was found.
    pub(super) valid_len: u64,
}

/// Reads a journal file's bytes. A record that is incomplete or fails its checksum is a torn
/// tail when no intact record follows it (a crash during a write that was never
/// acknowledged): reading stops there, and `valid_len` says where to cut. Damage followed by
/// intact records, a bad header, or a record whose checksum holds but whose content does not
/// parse is an error (`Err` holds the reason). With `last == false` (a journal followed by a
/// newer one, so synced in full when it was closed) any damage is an error.
pub(super) fn scan(bytes: &[u8], base: u64, last: bool) -> Result<Scanned, String> {
    if bytes.len() < HEADER_LEN as usize {
        // A crash while the file was being created, before anything was committed to it.
        if last && FILE_MAGIC.starts_with(&bytes[..bytes.len().min(FILE_MAGIC.len())]) {
            return Ok(Scanned {
                records: Vec::new(),
                valid_len: 0,
            });
        }
        return Err(format!(
            "the file is {} bytes, shorter than its header",
            bytes.len()
        ));
    }
    if &bytes[..8] != FILE_MAGIC {
        return Err("the file does not start with the journal header".into());
    }
    let header_base = u64::from_le_bytes(bytes[8..16].try_into().map_err(|_| "bad header")?);
    if header_base != base {
        return Err(format!(
            "the header names base [{header_base}], the file name [{base}]"
        ));
    }
    let mut records = Vec::new();
    let mut pos = HEADER_LEN as usize;
    while pos < bytes.len() {
        match frame(&bytes[pos..]) {
            Some((payload, used)) => {
                let record = decode(payload)
                    .map_err(|e| format!("the record at byte {pos} is unreadable: {e}"))?;
                records.push(record);
                pos += used;
            }
            None => {
                let intact_after = (pos + 1..bytes.len()).any(|p| frame(&bytes[p..]).is_some());
                if !last || intact_after {
                    return Err(format!(
                        "the record at byte {pos} is damaged and {}",
                        if last {
                            "intact records follow it"
                        } else {
                            "a newer journal follows this one"
                        }
                    ));
                }
                return Ok(Scanned {
                    records,
                    valid_len: pos as u64,
                });
            }
        }
    }
    Ok(Scanned {
        records,
        valid_len: pos as u64,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn op(id: &str, doc: Option<Value>) -> Op {
        Op {
            section: Section::Tokens,
            id: id.into(),
            doc,
        }
    }

    fn journal(records: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = header(7).to_vec();
        for r in records {
            bytes.extend_from_slice(r);
        }
        bytes
    }

    #[test]
    fn records_roundtrip_with_puts_and_deletes() {
        let ops = vec![op("a", Some(json!({"x": 1}))), op("b", None)];
        let bytes = journal(&[encode(8, &ops).unwrap()]);
        let scanned = scan(&bytes, 7, true).unwrap();
        assert_eq!(scanned.records, vec![Record { seq: 8, ops }]);
        assert_eq!(scanned.valid_len, bytes.len() as u64);
    }

    #[test]
    fn names_sort_by_base_and_foreign_files_are_ignored() {
        assert_eq!(parse_name(&file_name(42)), Some(42));
        assert_eq!(parse_name("journal-42.log"), None);
        assert_eq!(parse_name("store.json"), None);
        let dir = tempfile::tempdir().unwrap();
        for name in [file_name(10), file_name(9), "other.log".into()] {
            fs::write(dir.path().join(name), b"").unwrap();
        }
        let bases: Vec<u64> = list(dir.path())
            .unwrap()
            .into_iter()
            .map(|(b, _)| b)
            .collect();
        assert_eq!(bases, vec![9, 10]);
        assert!(list(&dir.path().join("missing")).unwrap().is_empty());
    }

    #[test]
    fn a_damaged_record_with_intact_ones_after_it_is_an_error() {
        let first = encode(8, &[op("a", Some(json!({"x": 1})))]).unwrap();
        let second = encode(9, &[op("b", Some(json!({"x": 2})))]).unwrap();
        let mut bytes = journal(&[first.clone(), second]);
        let flip = HEADER_LEN as usize + first.len() - 2;
        bytes[flip] ^= 0x40;
        let err = scan(&bytes, 7, true).unwrap_err();
        assert!(err.contains("byte 16 is damaged"), "{err}");
        assert!(err.contains("intact records follow"), "{err}");
        // The same damage in the last record is a torn tail.
        let mut bytes = journal(std::slice::from_ref(&first));
        bytes[flip] ^= 0x40;
        assert_eq!(scan(&bytes, 7, true).unwrap().valid_len, HEADER_LEN);
        // ... unless a newer journal follows, which means this one was complete.
        assert!(scan(&bytes, 7, false).is_err());
    }

    #[test]
    fn an_intact_record_that_does_not_parse_is_an_error() {
        let payload = b"{\"seq\":8}";
        let len = (payload.len() as u32).to_le_bytes();
        let mut crc = crc32fast::Hasher::new();
        crc.update(&len);
        crc.update(payload);
        let mut bytes = header(7).to_vec();
        bytes.extend_from_slice(&RECORD_MAGIC);
        bytes.extend_from_slice(&len);
        bytes.extend_from_slice(&crc.finalize().to_le_bytes());
        bytes.extend_from_slice(payload);
        let err = scan(&bytes, 7, true).unwrap_err();
        assert!(err.contains("no [ops] list"), "{err}");
    }

    #[test]
    fn headers_are_checked() {
        assert!(scan(b"garbage-garbage-garbage", 7, true).is_err());
        assert!(scan(&header(6), 7, true).unwrap_err().contains("base [6]"));
        // A header cut short by a crash while creating the newest journal holds nothing.
        assert_eq!(scan(&header(7)[..5], 7, true).unwrap().valid_len, 0);
        assert!(scan(&header(7)[..5], 7, false).is_err());
    }
}
