//! Java's "modified UTF-8" (`DataOutput.writeUTF` / `DataInput.readUTF`), which the keystore
//! plaintext uses for setting names: UTF-16 code units, each written as 1 to 3 bytes, with
//! U+0000 as two bytes and supplementary characters as two 3-byte surrogates.

/// Encodes `text` as modified UTF-8 (without the length prefix).
pub(crate) fn encode_modified_utf8(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for unit in text.encode_utf16() {
        match unit {
            0x0001..=0x007f => out.push(unit as u8),
            0x0000 | 0x0080..=0x07ff => {
                out.push(0xc0 | ((unit >> 6) & 0x1f) as u8);
                out.push(0x80 | (unit & 0x3f) as u8);
            }
            _ => {
                out.push(0xe0 | ((unit >> 12) & 0x0f) as u8);
                out.push(0x80 | ((unit >> 6) & 0x3f) as u8);
                out.push(0x80 | (unit & 0x3f) as u8);
            }
        }
    }
    out
}

/// Decodes modified UTF-8 the way `DataInputStream.readUTF` does, then requires the UTF-16
/// to be well formed (Rust strings cannot hold lone surrogates). `None` on any malformation.
pub(crate) fn decode_modified_utf8(bytes: &[u8]) -> Option<String> {
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b0 = u16::from(bytes[i]);
        match b0 >> 4 {
            0..=7 => {
                units.push(b0);
                i += 1;
            }
            12 | 13 => {
                let b1 = u16::from(*bytes.get(i + 1)?);
                if b1 & 0xc0 != 0x80 {
                    return None;
                }
                units.push(((b0 & 0x1f) << 6) | (b1 & 0x3f));
                i += 2;
            }
            14 => {
                let b1 = u16::from(*bytes.get(i + 1)?);
                let b2 = u16::from(*bytes.get(i + 2)?);
                if b1 & 0xc0 != 0x80 || b2 & 0xc0 != 0x80 {
                    return None;
                }
                units.push(((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f));
                i += 3;
            }
            _ => return None,
        }
    }
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ascii_is_unchanged() {
        assert_eq!(encode_modified_utf8("keystore.seed"), b"keystore.seed");
    }

    #[test]
    fn nul_and_supplementary_use_java_forms() {
        assert_eq!(encode_modified_utf8("\0"), [0xc0, 0x80]);
        // U+1F600 is the surrogate pair D83D DE00, each written in 3 bytes.
        assert_eq!(
            encode_modified_utf8("\u{1F600}"),
            [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]
        );
        assert_eq!(decode_modified_utf8(&[0xc0, 0x80]).as_deref(), Some("\0"));
    }

    #[test]
    fn malformed_input_is_rejected() {
        assert_eq!(decode_modified_utf8(&[0x80]), None);
        assert_eq!(decode_modified_utf8(&[0xc3]), None);
        assert_eq!(decode_modified_utf8(&[0xe0, 0x80]), None);
        assert_eq!(decode_modified_utf8(&[0xf0, 0x9f, 0x98, 0x80]), None);
        // A lone high surrogate.
        assert_eq!(decode_modified_utf8(&[0xed, 0xa0, 0xbd]), None);
    }

    proptest! {
        #[test]
        fn round_trips_any_string(s in any::<String>()) {
            prop_assert_eq!(decode_modified_utf8(&encode_modified_utf8(&s)), Some(s));
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_modified_utf8(&b);
        }
    }
}
