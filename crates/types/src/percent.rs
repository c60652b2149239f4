//! Percent-decoding of URL path segments and query components exactly as Elasticsearch's
//! `RestUtils.decodeComponent` does it: `%XX` escapes (and `%%` for a literal `%`), `+` kept in
//! path segments but a space in query components, a cut-off or non-hexadecimal escape refused
//! with Elasticsearch's message, and decoded bytes that are not UTF-8 replaced as Java's
//! `new String(bytes, UTF_8)` replaces them (one U+FFFD per malformed sequence).
//!
//! Pure functions over `&str`; a component that needs no decoding is returned borrowed.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// How `+` is read: literally in path segments, as a space in query strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// A path segment (`/_security/user/a+b` names the user `a+b`).
    Path,
    /// A query-string name or value (`?q=a+b` is `a b`).
    Query,
}

/// Decodes one path segment (`+` stays `+`).
pub fn decode_path_segment(segment: &str) -> Result<Cow<'_, str>> {
    decode_component(segment, Component::Path)
}

/// Decodes one query-string name or value (`+` becomes a space).
pub fn decode_query_component(component: &str) -> Result<Cow<'_, str>> {
    decode_component(component, Component::Query)
}

/// `RestUtils.decodeComponent`: decodes `text` as a `component`.
pub fn decode_component(text: &str, component: Component) -> Result<Cow<'_, str>> {
    let plus_as_space = component == Component::Query;
    if !decoding_needed(text, plus_as_space) {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = Vec::with_capacity(text.len());
    // Characters, not bytes: an escape's two characters are shown as such in the error, and
    // any other character passes through as its UTF-8 bytes (Elasticsearch sees the raw
    // request bytes one per `char`, so its decoder also passes them through unchanged).
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '+' => out.push(if plus_as_space { b' ' } else { b'+' }),
            '%' => {
                let Some((_, high)) = chars.next() else {
                    return Err(Error::PercentEncoding(format!(
                        "unterminated escape sequence at end of string: {text}"
                    )));
                };
                if high == '%' {
                    out.push(b'%');
                    continue;
                }
                let Some((_, low)) = chars.next() else {
                    return Err(Error::PercentEncoding(format!(
                        "partial escape sequence at end of string: {text}"
                    )));
                };
                match (high.to_digit(16), low.to_digit(16)) {
                    // Two hex digits are at most 255.
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => {
                        return Err(Error::PercentEncoding(format!(
                            "invalid escape sequence `%{high}{low}' at index {} of: {text}",
                            utf16_index(text, at),
                        )));
                    }
                }
            }
            other => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Ok(Cow::Owned(String::from_utf8_lossy(&out).into_owned()))
}

/// `RestUtils.decodingNeeded`: a `%` anywhere, or a `+` read as a space.
fn decoding_needed(text: &str, plus_as_space: bool) -> bool {
    text.bytes()
        .any(|b| b == b'%' || (plus_as_space && b == b'+'))
}

/// Java string indices count UTF-16 units, not bytes.
fn utf16_index(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .map_or(byte, |prefix| prefix.chars().map(char::len_utf16).sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn path_keeps_plus_and_query_makes_it_a_space() {
        assert_eq!(decode_path_segment("a+b%20c").unwrap(), "a+b c");
        assert_eq!(decode_query_component("a+b%20c").unwrap(), "a b c");
        assert_eq!(decode_query_component("%2B").unwrap(), "+");
        assert!(matches!(
            decode_path_segment("plain").unwrap(),
            Cow::Borrowed("plain")
        ));
    }

    #[test]
    fn double_percent_is_a_literal_percent() {
        assert_eq!(decode_path_segment("100%%").unwrap(), "100%");
        assert_eq!(decode_path_segment("%%41").unwrap(), "%41");
    }

    #[test]
    fn broken_escapes_carry_elasticsearch_messages() {
        assert_eq!(
            decode_path_segment("abc%").unwrap_err().to_string(),
            "unterminated escape sequence at end of string: abc%"
        );
        assert_eq!(
            decode_path_segment("abc%4").unwrap_err().to_string(),
            "partial escape sequence at end of string: abc%4"
        );
        assert_eq!(
            decode_path_segment("a%zz").unwrap_err().to_string(),
            "invalid escape sequence `%zz' at index 1 of: a%zz"
        );
        assert_eq!(
            decode_path_segment("é%g1").unwrap_err().to_string(),
            "invalid escape sequence `%g1' at index 1 of: é%g1"
        );
        let e = decode_path_segment("%é1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid escape sequence `%é1' at index 0 of: %é1"
        );
        assert_eq!(
            crate::ErrorCode::es_type(&e),
            crate::EsErrorType::IllegalArgument
        );
    }

    #[test]
    fn utf8_is_decoded_and_invalid_bytes_replaced() {
        assert_eq!(decode_path_segment("caf%C3%A9").unwrap(), "café");
        assert_eq!(decode_path_segment("%C3%28x").unwrap(), "\u{FFFD}(x");
        assert_eq!(decode_path_segment("%FF").unwrap(), "\u{FFFD}");
        assert_eq!(decode_path_segment("é%20").unwrap(), "é ");
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = decode_path_segment(&s);
            let _ = decode_query_component(&s);
        }

        #[test]
        fn encoding_round_trips(s in ".*") {
            let mut encoded = String::new();
            for b in s.bytes() {
                encoded.push_str(&format!("%{b:02X}"));
            }
            prop_assert_eq!(decode_path_segment(&encoded).unwrap(), s.as_str());
            prop_assert_eq!(decode_query_component(&encoded).unwrap(), s.as_str());
        }

        #[test]
        fn text_without_escapes_is_unchanged(s in "[^%+]*") {
            prop_assert_eq!(decode_path_segment(&s).unwrap(), s.as_str());
        }
    }
}
