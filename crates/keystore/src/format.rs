//! The byte layout of the keystore file, with no I/O and no crypto.
//!
//! ```text
//! int32 BE   0x3FD76C17                     Lucene CodecUtil header magic
//! vint+UTF-8 "elasticsearch.keystore"       codec name
//! int32 BE   version                        3..=6 read, 6 written
//! byte       hasPassword                    0 or 1
//! int32      dataLen                        LE for version >= 5, BE before
//!   int32 saltLen, salt                     (same endianness as dataLen)
//!   int32 ivLen, iv
//!   int32 encLen, ciphertext || GCM tag
//! int32 BE   0xC02893E8                     footer magic (~header magic)
//! int32 BE   0                              checksum algorithm (CRC32)
//! int64 BE   CRC32 of every preceding byte, footer magic and algorithm included
//! ```
//!
//! The decrypted plaintext is Java `DataOutput` (always big-endian): int32 entry count, then
//! per entry a modified-UTF-8 name (uint16 length), for version 3 only a type string, and an
//! int32 length followed by the raw value.
//!
//! Every length read here is checked against the bytes actually present before anything is
//! allocated, so a truncated file or a forged length is an error, never a huge allocation.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::crypto::{IV_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::java_data::{decode_modified_utf8, encode_modified_utf8};
use crate::secure_value::SecureValue;

pub(crate) const CODEC_MAGIC: u32 = 0x3FD7_6C17;
pub(crate) const FOOTER_MAGIC: u32 = !CODEC_MAGIC;
pub(crate) const CODEC_NAME: &str = "elasticsearch.keystore";
pub(crate) const MIN_VERSION: u32 = 3;
/// Version 3 (Elasticsearch 6.3) still stored an entry type string after each name.
const V3_VERSION: u32 = 3;
/// From version 5 (Elasticsearch 8.0) Lucene writes ints little-endian.
const LE_VERSION: u32 = 5;
/// Version 6 (Elasticsearch 8.14) raised the PBKDF2 iteration count.
const HIGHER_KDF_VERSION: u32 = 6;
pub(crate) const CURRENT_VERSION: u32 = HIGHER_KDF_VERSION;
const FOOTER_LEN: usize = 16;

/// PBKDF2 iterations for a format version.
pub(crate) fn kdf_iterations(version: u32) -> u32 {
    if version < HIGHER_KDF_VERSION {
        10_000
    } else {
        210_000
    }
}

/// A bounds-checked reader over a byte slice.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::corrupt(format!("truncated {what}")));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u16_be(&mut self, what: &str) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, little_endian: bool, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        let b = [b[0], b[1], b[2], b[3]];
        Ok(if little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// A Java int used as a length: negative or larger than what is left is corruption.
    fn len(&mut self, little_endian: bool, what: &str) -> Result<usize> {
        let raw = self.u32(little_endian, what)?;
        let len = i32::from_ne_bytes(raw.to_ne_bytes());
        let len = usize::try_from(len).map_err(|_| Error::corrupt(format!("negative {what}")))?;
        if len > self.remaining() {
            return Err(Error::corrupt(format!("{what} exceeds the data")));
        }
        Ok(len)
    }

    /// Lucene's variable-length int (7 bits per byte, low bits first, at most 5 bytes).
    fn vint(&mut self, what: &str) -> Result<u32> {
        let mut value: u32 = 0;
        for shift in [0u32, 7, 14, 21, 28] {
            let b = self.u8(what)?;
            value |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Error::corrupt(format!("invalid {what}")))
    }
}

/// The unencrypted header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) version: u32,
    pub(crate) has_password: bool,
}

/// Bytes of a header: magic, vint, codec name, version, hasPassword.
pub(crate) const HEADER_LEN: usize = 4 + 1 + CODEC_NAME.len() + 4 + 1;

/// Reads the header at the start of `bytes` (the rest of the file is not looked at).
pub(crate) fn parse_header(bytes: &[u8]) -> Result<Header> {
    let mut r = Reader::new(bytes);
    parse_header_from(&mut r)
}

fn parse_header_from(r: &mut Reader<'_>) -> Result<Header> {
    if r.u32(false, "header")? != CODEC_MAGIC {
        return Err(Error::corrupt("not a keystore file: wrong header magic"));
    }
    let name_len = r.vint("codec name")?;
    let name = r.take(name_len as usize, "codec name")?;
    if name != CODEC_NAME.as_bytes() {
        return Err(Error::corrupt(format!(
            "codec name [{}] is not [{CODEC_NAME}]",
            String::from_utf8_lossy(name)
        )));
    }
    let version = r.u32(false, "format version")?;
    if version < MIN_VERSION {
        return Err(Error::FormatTooOld { version });
    }
    if version > CURRENT_VERSION {
        return Err(Error::FormatTooNew { version });
    }
    let has_password = match r.u8("hasPassword flag")? {
        0 => false,
        1 => true,
        other => {
            return Err(Error::corrupt(format!(
                "hasPassword boolean is corrupt: {other:02x}"
            )));
        }
    };
    Ok(Header {
        version,
        has_password,
    })
}

/// The parsed, still encrypted file.
#[derive(Debug)]
pub(crate) struct Sealed<'a> {
    pub(crate) header: Header,
    pub(crate) salt: &'a [u8],
    pub(crate) iv: [u8; IV_LEN],
    pub(crate) ciphertext: &'a [u8],
}

/// Checks the footer and checksum, then parses the header and the data block.
pub(crate) fn parse_file(bytes: &[u8]) -> Result<Sealed<'_>> {
    if bytes.len() > crate::MAX_FILE_LEN {
        return Err(Error::TooLarge(format!(
            "a keystore file of {} bytes",
            bytes.len()
        )));
    }
    if bytes.len() < 4 || bytes[..4] != CODEC_MAGIC.to_be_bytes() {
        return Err(Error::corrupt("not a keystore file: wrong header magic"));
    }
    if bytes.len() < HEADER_LEN + FOOTER_LEN {
        return Err(Error::corrupt("file truncated"));
    }
    let (body, footer) = bytes.split_at(bytes.len() - FOOTER_LEN);
    let mut f = Reader::new(footer);
    if f.u32(false, "footer")? != FOOTER_MAGIC {
        return Err(Error::corrupt(
            "codec footer mismatch (file truncated or extended?)",
        ));
    }
    if f.u32(false, "footer")? != 0 {
        return Err(Error::corrupt("unknown checksum algorithm in footer"));
    }
    let stored = u64::from(f.u32(false, "footer")?) << 32 | u64::from(f.u32(false, "footer")?);
    if stored >> 32 != 0 {
        return Err(Error::corrupt("illegal CRC-32 checksum in footer"));
    }
    let actual = crc32fast::hash(&bytes[..bytes.len() - 8]);
    if u64::from(actual) != stored {
        return Err(Error::corrupt(format!(
            "checksum failed: expected {stored:08x}, actual {actual:08x}"
        )));
    }

    let mut r = Reader::new(body);
    let header = parse_header_from(&mut r)?;
    let le = header.version >= LE_VERSION;
    let data_len = r.len(le, "data length")?;
    if data_len != r.remaining() {
        return Err(Error::corrupt("data length does not match the file size"));
    }
    let salt_len = r.len(le, "salt length")?;
    if salt_len == 0 {
        return Err(Error::corrupt("empty salt"));
    }
    let salt = r.take(salt_len, "salt")?;
    let iv_len = r.len(le, "IV length")?;
    if iv_len != IV_LEN {
        return Err(Error::corrupt(format!("unsupported IV length {iv_len}")));
    }
    let mut iv = [0u8; IV_LEN];
    iv.copy_from_slice(r.take(IV_LEN, "IV")?);
    let enc_len = r.len(le, "ciphertext length")?;
    if enc_len < TAG_LEN {
        return Err(Error::corrupt("ciphertext shorter than its tag"));
    }
    let ciphertext = r.take(enc_len, "ciphertext")?;
    if r.remaining() != 0 {
        return Err(Error::corrupt("unexpected bytes after the ciphertext"));
    }
    Ok(Sealed {
        header,
        salt,
        iv,
        ciphertext,
    })
}

/// Writes a version-6 file around an already encrypted blob.
pub(crate) fn write_file(has_password: bool, salt: &[u8], iv: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    let data_len = 4 + salt.len() + 4 + iv.len() + 4 + ciphertext.len();
    let mut out = Vec::with_capacity(HEADER_LEN + 4 + data_len + FOOTER_LEN);
    out.extend_from_slice(&CODEC_MAGIC.to_be_bytes());
    // The codec name is 22 bytes, so its vint length is one byte.
    out.push(CODEC_NAME.len() as u8);
    out.extend_from_slice(CODEC_NAME.as_bytes());
    out.extend_from_slice(&CURRENT_VERSION.to_be_bytes());
    out.push(u8::from(has_password));
    out.extend_from_slice(&le_len(data_len));
    for part in [salt, iv, ciphertext] {
        out.extend_from_slice(&le_len(part.len()));
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&FOOTER_MAGIC.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&u64::from(crc).to_be_bytes());
    out
}

/// A length as a little-endian Java int. Callers keep totals under `MAX_FILE_LEN`, far below
/// `i32::MAX`.
fn le_len(len: usize) -> [u8; 4] {
    (len as u32).to_le_bytes()
}

/// Serialises the entries as Java `DataOutput` (names sorted, which Elasticsearch accepts in
/// any order).
pub(crate) fn encode_entries(
    entries: &BTreeMap<String, SecureValue>,
) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    let count = i32::try_from(entries.len())
        .map_err(|_| Error::TooLarge("the number of entries".into()))?;
    out.extend_from_slice(&count.to_be_bytes());
    for (name, value) in entries {
        let encoded = encode_modified_utf8(name);
        let name_len = u16::try_from(encoded.len())
            .map_err(|_| Error::TooLarge(format!("setting name [{name}]")))?;
        out.extend_from_slice(&name_len.to_be_bytes());
        out.extend_from_slice(&encoded);
        let value_len = i32::try_from(value.len())
            .map_err(|_| Error::TooLarge(format!("the value of [{name}]")))?;
        out.extend_from_slice(&value_len.to_be_bytes());
        out.extend_from_slice(value.as_bytes());
    }
    Ok(out)
}

/// Parses decrypted Java `DataOutput` entries. A later duplicate name replaces an earlier
/// one, as Elasticsearch's `HashMap` does.
pub(crate) fn decode_entries(plain: &[u8], version: u32) -> Result<BTreeMap<String, SecureValue>> {
    let mut r = Reader::new(plain);
    let count = r.u32(false, "entry count")?;
    let count = i32::from_ne_bytes(count.to_ne_bytes());
    let count = usize::try_from(count).map_err(|_| Error::corrupt("negative entry count"))?;
    // Each entry needs at least a name length and a value length.
    if count > r.remaining() / 6 {
        return Err(Error::corrupt("entry count exceeds the data"));
    }
    let mut entries = BTreeMap::new();
    for _ in 0..count {
        let name = read_utf(&mut r, "setting name")?;
        if version == V3_VERSION {
            // Version 3 recorded STRING or FILE here; the bytes are raw either way.
            read_utf(&mut r, "entry type")?;
        }
        let value_len = r.len(false, "value length")?;
        let value = r.take(value_len, "value")?;
        entries.insert(name, SecureValue::new(value.to_vec()));
    }
    if r.remaining() != 0 {
        return Err(Error::corrupt("unexpected bytes after the last entry"));
    }
    Ok(entries)
}

fn read_utf(r: &mut Reader<'_>, what: &str) -> Result<String> {
    let len = usize::from(r.u16_be(what)?);
    let bytes = r.take(len, what)?;
    decode_modified_utf8(bytes).ok_or_else(|| Error::corrupt(format!("malformed {what}")))
}
