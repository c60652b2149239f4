//! A minimal DER writer: the handful of ASN.1 types certificates, CSRs, keys and PKCS#12
//! files need. Encoding by hand keeps every byte under our control (RDN order, string
//! types, extension order), which is what makes our files match the JDK's.

/// Universal tags used here.
pub(crate) mod tag {
    pub(crate) const BOOLEAN: u8 = 0x01;
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const NULL: u8 = 0x05;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTF8_STRING: u8 = 0x0c;
    pub(crate) const PRINTABLE_STRING: u8 = 0x13;
    pub(crate) const T61_STRING: u8 = 0x14;
    pub(crate) const IA5_STRING: u8 = 0x16;
    pub(crate) const UTC_TIME: u8 = 0x17;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    pub(crate) const UNIVERSAL_STRING: u8 = 0x1c;
    pub(crate) const BMP_STRING: u8 = 0x1e;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
}

/// Tag, definite length, content.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// SEQUENCE of already-encoded elements, in the given order.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag::SEQUENCE, &parts.concat())
}

/// SET OF already-encoded elements; DER requires the encodings sorted.
pub(crate) fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut sorted: Vec<&[u8]> = parts.to_vec();
    sorted.sort();
    tlv(tag::SET, &sorted.concat())
}

/// A non-negative INTEGER from big-endian magnitude bytes.
pub(crate) fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let skip = magnitude.iter().take_while(|b| **b == 0).count();
        &magnitude[skip..]
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    tlv(tag::INTEGER, &content)
}

/// A small non-negative INTEGER.
pub(crate) fn small_integer(value: u64) -> Vec<u8> {
    unsigned_integer(&value.to_be_bytes())
}

/// BOOLEAN.
pub(crate) fn boolean(value: bool) -> Vec<u8> {
    tlv(tag::BOOLEAN, &[if value { 0xff } else { 0 }])
}

/// NULL.
pub(crate) fn null() -> Vec<u8> {
    vec![tag::NULL, 0]
}

/// OCTET STRING.
pub(crate) fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, bytes)
}

/// BIT STRING with no unused bits.
pub(crate) fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    tlv(tag::BIT_STRING, &content)
}

/// Context-specific constructed tag `[n]` around `content` (EXPLICIT tagging, or IMPLICIT
/// tagging of a constructed type).
pub(crate) fn context_constructed(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, content)
}

/// Context-specific primitive tag `[n]` (IMPLICIT tagging of a primitive type).
pub(crate) fn context_primitive(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0x80 | n, content)
}

/// Parses a dotted OID into its arcs; `None` unless it has at least two valid arcs.
pub(crate) fn parse_oid(dotted: &str) -> Option<Vec<u64>> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| {
            if a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                a.parse().ok()
            }
        })
        .collect::<Option<_>>()?;
    if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
        return None;
    }
    arcs[0].checked_mul(40)?.checked_add(arcs[1])?;
    Some(arcs)
}

/// OBJECT IDENTIFIER from arcs that passed [`parse_oid`].
pub(crate) fn oid_from_arcs(arcs: &[u64]) -> Vec<u8> {
    let mut content = Vec::new();
    let mut push_arc = |mut value: u64| {
        let mut chunk = vec![(value & 0x7f) as u8];
        value >>= 7;
        while value > 0 {
            chunk.push(0x80 | (value & 0x7f) as u8);
            value >>= 7;
        }
        chunk.reverse();
        content.extend_from_slice(&chunk);
    };
    if let [first, second, rest @ ..] = arcs {
        push_arc(first * 40 + second);
        for arc in rest {
            push_arc(*arc);
        }
    }
    tlv(tag::OID, &content)
}

/// OBJECT IDENTIFIER from a dotted constant of this crate. An invalid constant is a bug
/// and encodes as an empty OID, which every test that uses it would catch.
pub(crate) fn oid(dotted: &str) -> Vec<u8> {
    debug_assert!(parse_oid(dotted).is_some(), "bad OID constant {dotted}");
    oid_from_arcs(&parse_oid(dotted).unwrap_or_default())
}

/// Dotted form of DER OID content bytes; `None` when malformed.
pub(crate) fn oid_to_dotted(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    let mut in_arc = false;
    for byte in content {
        if !in_arc && *byte == 0x80 {
            return None; // non-minimal encoding
        }
        value = value
            .checked_mul(128)?
            .checked_add(u64::from(byte & 0x7f))?;
        in_arc = byte & 0x80 != 0;
        if !in_arc {
            arcs.push(value);
            value = 0;
        }
    }
    if in_arc || arcs.is_empty() {
        return None;
    }
    let first = arcs[0];
    let (a, b) = if first < 40 {
        (0, first)
    } else if first < 80 {
        (1, first - 40)
    } else {
        (2, first - 80)
    };
    let mut out = format!("{a}.{b}");
    for arc in &arcs[1..] {
        out.push('.');
        out.push_str(&arc.to_string());
    }
    Some(out)
}

/// BMPString (UTF-16BE), used for PKCS#12 friendly names.
pub(crate) fn bmp_string(text: &str) -> Vec<u8> {
    let content: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    tlv(tag::BMP_STRING, &content)
}

/// UTCTime for years 1950..=2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5).
pub(crate) fn time(at: jiff::Timestamp) -> Vec<u8> {
    let utc = at.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let year = utc.year();
    if (1950..2050).contains(&year) {
        tlv(
            tag::UTC_TIME,
            utc.strftime("%y%m%d%H%M%SZ").to_string().as_bytes(),
        )
    } else {
        tlv(
            tag::GENERALIZED_TIME,
            utc.strftime("%Y%m%d%H%M%SZ").to_string().as_bytes(),
        )
    }
}

/// Splits one DER element off the front of `input`: `(tag, content, rest)`. Only what this
/// crate needs to read back (its own structures and PEM key bodies); indefinite lengths and
/// multi-byte tags are rejected.
pub(crate) fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > std::mem::size_of::<usize>() || rest.len() < count {
            return None;
        }
        let (len_bytes, rest) = rest.split_at(count);
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((tag, content, rest))
}

/// Every element of a constructed value's content, or `None` if it does not parse.
pub(crate) fn read_elements(mut content: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (tag, value, rest) = read_tlv(content)?;
        out.push((tag, value));
        content = rest;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_use_short_and_long_forms() {
        assert_eq!(tlv(4, &[1, 2]), vec![4, 2, 1, 2]);
        let long = tlv(4, &[0; 200]);
        assert_eq!(&long[..3], &[4, 0x81, 200]);
        let longer = tlv(4, &[0; 300]);
        assert_eq!(&longer[..4], &[4, 0x82, 1, 44]);
        assert_eq!(
            read_tlv(&longer).map(|(t, c, r)| (t, c.len(), r.len())),
            Some((4, 300, 0))
        );
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(small_integer(0), vec![2, 1, 0]);
        assert_eq!(small_integer(2), vec![2, 1, 2]);
        assert_eq!(small_integer(128), vec![2, 2, 0, 128]);
        assert_eq!(unsigned_integer(&[0, 0, 0x7f]), vec![2, 1, 0x7f]);
    }

    #[test]
    fn oids_encode_like_the_standard_examples() {
        // 1.2.840.113549 from X.690's worked example.
        assert_eq!(
            oid("1.2.840.113549"),
            vec![6, 6, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]
        );
        assert_eq!(oid("2.5.4.3"), vec![6, 3, 0x55, 4, 3]);
        assert!(parse_oid("1").is_none());
        assert!(parse_oid("1.x").is_none());
        assert!(parse_oid("3.1").is_none());
        assert!(parse_oid("1..2").is_none());
    }

    #[test]
    fn times_switch_to_generalized_in_2050() {
        let before: jiff::Timestamp = "2049-12-31T23:59:59Z".parse().unwrap();
        let after: jiff::Timestamp = "2050-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(time(before), tlv(tag::UTC_TIME, b"491231235959Z"));
        assert_eq!(time(after), tlv(tag::GENERALIZED_TIME, b"20500101000000Z"));
    }

    #[test]
    fn sets_are_sorted() {
        assert_eq!(
            set_of(&[&[4, 1, 9], &[4, 1, 1]]),
            vec![0x31, 6, 4, 1, 1, 4, 1, 9]
        );
    }
}
