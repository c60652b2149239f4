//! Distinguished names: parsing RFC 2253 strings as Java's `X500Principal` does, and encoding
//! them the way the JDK does (DER RDN order reversed, DC as IA5String).

use std::fmt;
use std::str::FromStr;

use crate::asn1::{self, tag};
use crate::{Error, Result};

/// An X.500 distinguished name, kept in RFC 2253 string order (most specific first).
///
/// Attribute types are stored in canonical upper-case keyword form (`CN`, `ST`,
/// `EMAILADDRESS`, ...) or as a dotted OID for types without a keyword. A multi-valued RDN
/// (`CN=a+UID=b`) is kept as consecutive attributes where each one after the first has its
/// type prefixed with `+` (`[("CN","a"),("+UID","b")]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName {
    /// `(attribute type, value)` pairs in RFC 2253 order, e.g. `[("CN","node1"),("DC","example")]`.
    pub attributes: Vec<(String, String)>,
}

/// How the JDK encodes an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueEncoding {
    /// IA5String (DC, emailAddress).
    Ia5,
    /// PrintableString when every character allows it, else UTF8String.
    Directory,
}

struct AttributeType {
    keyword: &'static str,
    aliases: &'static [&'static str],
    oid: &'static str,
    encoding: ValueEncoding,
}

/// The keywords Java's `X500Principal` accepts (plus `TITLE`), with their OIDs.
const ATTRIBUTE_TYPES: &[AttributeType] = &[
    AttributeType {
        keyword: "CN",
        aliases: &[],
        oid: "2.5.4.3",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "C",
        aliases: &[],
        oid: "2.5.4.6",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "L",
        aliases: &[],
        oid: "2.5.4.7",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "ST",
        aliases: &["S"],
        oid: "2.5.4.8",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "STREET",
        aliases: &[],
        oid: "2.5.4.9",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "O",
        aliases: &[],
        oid: "2.5.4.10",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "OU",
        aliases: &[],
        oid: "2.5.4.11",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "T",
        aliases: &["TITLE"],
        oid: "2.5.4.12",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "SURNAME",
        aliases: &[],
        oid: "2.5.4.4",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "SERIALNUMBER",
        aliases: &[],
        oid: "2.5.4.5",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "GIVENNAME",
        aliases: &[],
        oid: "2.5.4.42",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "INITIALS",
        aliases: &[],
        oid: "2.5.4.43",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "GENERATION",
        aliases: &[],
        oid: "2.5.4.44",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "DNQUALIFIER",
        aliases: &["DNQ"],
        oid: "2.5.4.46",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "DC",
        aliases: &[],
        oid: "0.9.2342.19200300.100.1.25",
        encoding: ValueEncoding::Ia5,
    },
    AttributeType {
        keyword: "UID",
        aliases: &[],
        oid: "0.9.2342.19200300.100.1.1",
        encoding: ValueEncoding::Directory,
    },
    AttributeType {
        keyword: "EMAILADDRESS",
        aliases: &["EMAIL"],
        oid: "1.2.840.113549.1.9.1",
        encoding: ValueEncoding::Ia5,
    },
    AttributeType {
        keyword: "IP",
        aliases: &[],
        oid: "1.3.6.1.4.1.42.2.11.2.1",
        encoding: ValueEncoding::Directory,
    },
];

/// Characters Java escapes with a backslash in RFC 2253 output.
const SPECIAL: &[char] = &[',', '=', '+', '<', '>', '#', ';', '\\', '"'];

/// An attribute type resolved from a keyword or OID: canonical name, OID, encoding.
struct Resolved {
    canonical: String,
    oid: Vec<u64>,
    encoding: ValueEncoding,
}

fn resolve_type(name: &str) -> Option<Resolved> {
    let bare = name.strip_prefix('+').unwrap_or(name);
    if let Some(t) = ATTRIBUTE_TYPES.iter().find(|t| {
        t.keyword.eq_ignore_ascii_case(bare)
            || t.aliases.iter().any(|a| a.eq_ignore_ascii_case(bare))
    }) {
        return Some(Resolved {
            canonical: t.keyword.to_string(),
            oid: asn1::parse_oid(t.oid)?,
            encoding: t.encoding,
        });
    }
    let dotted = bare
        .strip_prefix("OID.")
        .or_else(|| bare.strip_prefix("oid."))
        .unwrap_or(bare);
    let arcs = asn1::parse_oid(dotted)?;
    // A known type written as an OID is displayed with its keyword, as Java does.
    if let Some(t) = ATTRIBUTE_TYPES
        .iter()
        .find(|t| asn1::parse_oid(t.oid).as_deref() == Some(arcs.as_slice()))
    {
        return Some(Resolved {
            canonical: t.keyword.to_string(),
            oid: arcs,
            encoding: t.encoding,
        });
    }
    Some(Resolved {
        canonical: dotted.to_string(),
        oid: arcs,
        encoding: ValueEncoding::Directory,
    })
}

/// Java's `DerValue.isPrintableStringChar`.
fn is_printable_string_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            ' ' | '\'' | '(' | ')' | '+' | ',' | '-' | '.' | '/' | ':' | '=' | '?'
        )
}

impl DistinguishedName {
    /// `CN=<common_name>`.
    pub fn common_name(common_name: &str) -> Self {
        Self {
            attributes: vec![("CN".to_string(), common_name.to_string())],
        }
    }

    /// The first CN value, if any.
    pub fn cn(&self) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k.trim_start_matches('+').eq_ignore_ascii_case("CN"))
            .map(|(_, v)| v.as_str())
    }

    /// Display form with `, ` separators, as the `http` wizard shows it (`CN=aserracorp, DC=com`).
    pub fn to_display_string(&self) -> String {
        self.render(", ")
    }

    fn render(&self, separator: &str) -> String {
        let mut out = String::new();
        for (i, (name, value)) in self.attributes.iter().enumerate() {
            let (continues_rdn, bare) = match name.strip_prefix('+') {
                Some(bare) => (true, bare),
                None => (false, name.as_str()),
            };
            if i > 0 {
                out.push_str(if continues_rdn { "+" } else { separator });
            }
            let keyword = resolve_type(bare).map_or_else(|| bare.to_string(), |r| r.canonical);
            out.push_str(&keyword);
            out.push('=');
            escape_value(value, &mut out);
        }
        out
    }

    /// The DER `Name` as the JDK encodes it: RDNs in reverse string order, each RDN a SET
    /// (DER-sorted), DC/emailAddress as IA5String, other values PrintableString when
    /// possible, else UTF8String.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        let invalid = |reason: String| Error::InvalidDn {
            input: self.to_string(),
            reason,
        };
        let mut rdns: Vec<Vec<Vec<u8>>> = Vec::new();
        for (i, (name, value)) in self.attributes.iter().enumerate() {
            let resolved = resolve_type(name)
                .ok_or_else(|| invalid(format!("unknown attribute type [{name}]")))?;
            let value_der = encode_value(&resolved, value).map_err(invalid)?;
            let ava = asn1::sequence(&[&asn1::oid_from_arcs(&resolved.oid), &value_der]);
            match rdns.last_mut() {
                Some(rdn) if i > 0 && name.starts_with('+') => rdn.push(ava),
                _ => rdns.push(vec![ava]),
            }
        }
        let encoded: Vec<Vec<u8>> = rdns
            .iter()
            .rev()
            .map(|rdn| {
                let parts: Vec<&[u8]> = rdn.iter().map(Vec::as_slice).collect();
                asn1::set_of(&parts)
            })
            .collect();
        let parts: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
        Ok(asn1::sequence(&parts))
    }

    /// Decodes a DER `Name` (as found in certificates) into RFC 2253 order. Values that are
    /// not character strings are kept as `#<hex of the DER value>`.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let invalid = || Error::Decode {
            what: "distinguished name",
            reason: "malformed Name".to_string(),
        };
        let (t, content, rest) = asn1::read_tlv(der).ok_or_else(invalid)?;
        if t != tag::SEQUENCE || !rest.is_empty() {
            return Err(invalid());
        }
        let mut rdns = Vec::new();
        for (t, rdn) in asn1::read_elements(content).ok_or_else(invalid)? {
            if t != tag::SET {
                return Err(invalid());
            }
            let mut attributes = Vec::new();
            for (t, ava) in asn1::read_elements(rdn).ok_or_else(invalid)? {
                if t != tag::SEQUENCE {
                    return Err(invalid());
                }
                let (oid_tag, oid, rest) = asn1::read_tlv(ava).ok_or_else(invalid)?;
                let (value_tag, value, after) = asn1::read_tlv(rest).ok_or_else(invalid)?;
                if oid_tag != tag::OID || !after.is_empty() {
                    return Err(invalid());
                }
                let dotted = asn1::oid_to_dotted(oid).ok_or_else(invalid)?;
                let name = resolve_type(&dotted).map_or(dotted, |r| r.canonical);
                let text = decode_string(value_tag, value).unwrap_or_else(|| {
                    format!("#{}", hex::encode(&rest[..rest.len() - after.len()]))
                });
                attributes.push((name, text));
            }
            rdns.push(attributes);
        }
        let mut attributes = Vec::new();
        for rdn in rdns.into_iter().rev() {
            for (i, (name, value)) in rdn.into_iter().enumerate() {
                attributes.push((if i == 0 { name } else { format!("+{name}") }, value));
            }
        }
        Ok(Self { attributes })
    }
}

fn encode_value(resolved: &Resolved, value: &str) -> std::result::Result<Vec<u8>, String> {
    match resolved.encoding {
        ValueEncoding::Ia5 => {
            if !value.is_ascii() {
                return Err(format!(
                    "the value of {} must be ASCII (IA5String)",
                    resolved.canonical
                ));
            }
            Ok(asn1::tlv(tag::IA5_STRING, value.as_bytes()))
        }
        ValueEncoding::Directory if value.chars().all(is_printable_string_char) => {
            Ok(asn1::tlv(tag::PRINTABLE_STRING, value.as_bytes()))
        }
        ValueEncoding::Directory => Ok(asn1::tlv(tag::UTF8_STRING, value.as_bytes())),
    }
}

/// The text of a DER character string, or `None` for other types.
pub(crate) fn decode_string(value_tag: u8, value: &[u8]) -> Option<String> {
    match value_tag {
        tag::UTF8_STRING => String::from_utf8(value.to_vec()).ok(),
        // Printable, Numeric, IA5, Visible: ASCII subsets.
        tag::PRINTABLE_STRING | 0x12 | tag::IA5_STRING | 0x1a => value
            .is_ascii()
            .then(|| String::from_utf8_lossy(value).into_owned()),
        // TeletexString: treated as Latin-1, as most decoders do.
        tag::T61_STRING => Some(value.iter().map(|b| char::from(*b)).collect()),
        tag::BMP_STRING => {
            if !value.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = value
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        tag::UNIVERSAL_STRING => {
            if !value.len().is_multiple_of(4) {
                return None;
            }
            value
                .chunks(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

fn escape_value(value: &str, out: &mut String) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        if SPECIAL.contains(&c) || (c == ' ' && (i == 0 || i == last)) {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
}

impl FromStr for DistinguishedName {
    type Err = Error;
    /// Parses `CN=node1,DC=example,DC=com` (RFC 2253, with `\`-escapes and quoted values;
    /// spaces around separators allowed). Unknown attribute keywords and empty input are errors.
    fn from_str(s: &str) -> Result<Self> {
        Parser::new(s).parse().map_err(|reason| Error::InvalidDn {
            input: s.to_string(),
            reason,
        })
    }
}

impl fmt::Display for DistinguishedName {
    /// RFC 2253 form with `,` separators (`CN=node1,DC=example,DC=com`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(","))
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    input: &'a str,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            chars: input.chars().collect(),
            pos: 0,
            input,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|c| c == ' ') {
            self.pos += 1;
        }
    }

    fn parse(mut self) -> std::result::Result<DistinguishedName, String> {
        if self.input.trim().is_empty() {
            return Err("the name is empty".to_string());
        }
        let mut attributes = Vec::new();
        let mut continues_rdn = false;
        loop {
            let (canonical, resolved) = self.parse_type()?;
            let value = self.parse_value(&canonical)?;
            // Checked now so a bad DC/emailAddress value fails at parse time.
            encode_value(&resolved, &value)?;
            attributes.push((
                if continues_rdn {
                    format!("+{canonical}")
                } else {
                    canonical
                },
                value,
            ));
            self.skip_spaces();
            match self.peek() {
                None => break,
                Some(',' | ';') => continues_rdn = false,
                Some('+') => continues_rdn = true,
                Some(c) => return Err(format!("unexpected character '{c}'")),
            }
            self.pos += 1;
            self.skip_spaces();
            if self.peek().is_none() {
                return Err("the name ends with a separator".to_string());
            }
        }
        Ok(DistinguishedName { attributes })
    }

    fn parse_type(&mut self) -> std::result::Result<(String, Resolved), String> {
        self.skip_spaces();
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '=' {
                break;
            }
            if matches!(c, ',' | ';' | '+') {
                let text: String = self.chars[start..self.pos].iter().collect();
                return Err(format!("attribute [{}] has no '='", text.trim()));
            }
            self.pos += 1;
        }
        let keyword: String = self.chars[start..self.pos].iter().collect();
        let keyword = keyword.trim().to_string();
        if self.peek().is_none() {
            return Err(format!("attribute [{keyword}] has no '='"));
        }
        self.pos += 1; // '='
        if keyword.is_empty() {
            return Err("missing attribute type before '='".to_string());
        }
        let resolved =
            resolve_type(&keyword).ok_or_else(|| format!("unknown attribute type [{keyword}]"))?;
        Ok((resolved.canonical.clone(), resolved))
    }

    fn parse_value(&mut self, keyword: &str) -> std::result::Result<String, String> {
        self.skip_spaces();
        let value = match self.peek() {
            Some('"') => self.parse_quoted()?,
            Some('#') => self.parse_hex()?,
            _ => self.parse_plain()?,
        };
        if value.is_empty() {
            return Err(format!("attribute [{keyword}] has an empty value"));
        }
        Ok(value)
    }

    /// A backslash escape at `self.pos` (pointing after the backslash): returns the bytes.
    fn parse_escape(&mut self) -> std::result::Result<Vec<u8>, String> {
        let Some(c) = self.peek() else {
            return Err("the name ends with a lone backslash".to_string());
        };
        if SPECIAL.contains(&c) || c == ' ' {
            self.pos += 1;
            let mut buf = [0u8; 4];
            return Ok(c.encode_utf8(&mut buf).as_bytes().to_vec());
        }
        let second = self.chars.get(self.pos + 1).copied();
        match (c.to_digit(16), second.and_then(|d| d.to_digit(16))) {
            (Some(high), Some(low)) => {
                self.pos += 2;
                Ok(vec![(high * 16 + low) as u8])
            }
            _ => Err(format!("invalid escape sequence '\\{c}'")),
        }
    }

    fn parse_plain(&mut self) -> std::result::Result<String, String> {
        let mut bytes: Vec<u8> = Vec::new();
        // Bytes up to here came from escapes and must survive trailing-space trimming.
        let mut protected = 0;
        while let Some(c) = self.peek() {
            match c {
                ',' | ';' | '+' => break,
                '\\' => {
                    self.pos += 1;
                    bytes.extend(self.parse_escape()?);
                    protected = bytes.len();
                }
                _ => {
                    self.pos += 1;
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        while bytes.len() > protected && bytes.last() == Some(&b' ') {
            bytes.pop();
        }
        String::from_utf8(bytes).map_err(|_| "hex escapes do not form valid UTF-8".to_string())
    }

    fn parse_quoted(&mut self) -> std::result::Result<String, String> {
        self.pos += 1; // opening quote
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quoted value".to_string()),
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    self.pos += 1;
                    bytes.extend(self.parse_escape()?);
                }
                Some(c) => {
                    self.pos += 1;
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        String::from_utf8(bytes).map_err(|_| "hex escapes do not form valid UTF-8".to_string())
    }

    /// `#<hex>`: the BER/DER encoding of the value; accepted when it is a character string.
    fn parse_hex(&mut self) -> std::result::Result<String, String> {
        self.pos += 1; // '#'
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        let der = hex::decode(&digits).map_err(|_| "invalid #hex value".to_string())?;
        match asn1::read_tlv(&der) {
            Some((t, content, [])) => decode_string(t, content)
                .ok_or_else(|| "#hex value is not a character string".to_string()),
            _ => Err("invalid #hex value".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dn(s: &str) -> DistinguishedName {
        s.parse().unwrap()
    }

    fn attrs(d: &DistinguishedName) -> Vec<(&str, &str)> {
        d.attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn parses_the_common_forms() {
        assert_eq!(
            attrs(&dn("CN=node1,DC=example,DC=com")),
            vec![("CN", "node1"), ("DC", "example"), ("DC", "com")]
        );
        assert_eq!(
            attrs(&dn(" cn = node 1 ; o=Acme ,  c=US ")),
            vec![("CN", "node 1"), ("O", "Acme"), ("C", "US")]
        );
        assert_eq!(
            attrs(&dn("emailAddress=a@b.c,EMAIL=x@y,S=Bavaria,TITLE=Boss,T=x")),
            vec![
                ("EMAILADDRESS", "a@b.c"),
                ("EMAILADDRESS", "x@y"),
                ("ST", "Bavaria"),
                ("T", "Boss"),
                ("T", "x")
            ]
        );
        assert_eq!(
            attrs(&dn("UID=jdoe,SERIALNUMBER=42,STREET=Main St,L=Town,OU=Eng")),
            vec![
                ("UID", "jdoe"),
                ("SERIALNUMBER", "42"),
                ("STREET", "Main St"),
                ("L", "Town"),
                ("OU", "Eng")
            ]
        );
        assert_eq!(
            attrs(&dn("OID.2.5.4.3=a,2.5.4.10=b,1.2.3.4=c")),
            vec![("CN", "a"), ("O", "b"), ("1.2.3.4", "c")]
        );
    }

    #[test]
    fn handles_escapes_and_quotes() {
        assert_eq!(
            attrs(&dn(r#"CN=Doe\, John,O=a\+b\"c\\d"#)),
            vec![("CN", "Doe, John"), ("O", r#"a+b"c\d"#)]
        );
        assert_eq!(attrs(&dn(r"CN=a\2Cb")), vec![("CN", "a,b")]);
        assert_eq!(attrs(&dn(r"CN=caf\C3\A9")), vec![("CN", "café")]);
        assert_eq!(attrs(&dn(r"CN=trailing\ ")), vec![("CN", "trailing ")]);
        assert_eq!(
            attrs(&dn(r#"CN="Doe, John+Co" , O="x\"y""#)),
            vec![("CN", "Doe, John+Co"), ("O", "x\"y")]
        );
        // #hex: BER of a PrintableString "ab".
        assert_eq!(attrs(&dn("CN=#13026162")), vec![("CN", "ab")]);
    }

    #[test]
    fn multi_valued_rdns_are_marked() {
        let d = dn("CN=a+UID=b,O=c");
        assert_eq!(attrs(&d), vec![("CN", "a"), ("+UID", "b"), ("O", "c")]);
        assert_eq!(d.to_string(), "CN=a+UID=b,O=c");
        assert_eq!(d.cn(), Some("a"));
    }

    #[test]
    fn rejects_bad_names_with_clear_reasons() {
        for (input, reason) in [
            ("CN=", "empty value"),
            ("foo", "has no '='"),
            ("XX=1", "unknown attribute type [XX]"),
            ("", "empty"),
            ("   ", "empty"),
            ("CN=a,", "ends with a separator"),
            ("=a", "missing attribute type"),
            (r"CN=a\q", "invalid escape"),
            ("CN=\"abc", "unterminated"),
            ("DC=café", "ASCII"),
            (r"CN=\FF", "UTF-8"),
            ("CN=a,foo", "has no '='"),
        ] {
            match input.parse::<DistinguishedName>() {
                Err(Error::InvalidDn {
                    input: got,
                    reason: r,
                }) => {
                    assert_eq!(got, input);
                    assert!(r.contains(reason), "{input}: {r}");
                }
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    #[test]
    fn displays_rfc2253_and_wizard_forms() {
        let d = dn("CN=node1, DC=example, DC=com");
        assert_eq!(d.to_string(), "CN=node1,DC=example,DC=com");
        assert_eq!(d.to_display_string(), "CN=node1, DC=example, DC=com");
        let tricky = DistinguishedName::common_name(" a,b=c#d ");
        assert_eq!(tricky.to_string(), r"CN=\ a\,b\=c\#d\ ");
        assert_eq!(
            tricky.to_string().parse::<DistinguishedName>().unwrap(),
            tricky
        );
    }

    #[test]
    fn der_is_reversed_with_java_string_types() {
        let der = dn("CN=node1,DC=example,DC=com").to_der().unwrap();
        // SEQ { SET{SEQ{DC, IA5 "com"}}, SET{SEQ{DC, IA5 "example"}}, SET{SEQ{CN, Printable "node1"}} }
        let dc = asn1::oid("0.9.2342.19200300.100.1.25");
        let expected = asn1::sequence(&[
            &asn1::set_of(&[&asn1::sequence(&[&dc, &asn1::tlv(tag::IA5_STRING, b"com")])]),
            &asn1::set_of(&[&asn1::sequence(&[
                &dc,
                &asn1::tlv(tag::IA5_STRING, b"example"),
            ])]),
            &asn1::set_of(&[&asn1::sequence(&[
                &asn1::oid("2.5.4.3"),
                &asn1::tlv(tag::PRINTABLE_STRING, b"node1"),
            ])]),
        ]);
        assert_eq!(der, expected);
        // `*` and `@` are not PrintableString characters.
        let wildcard = dn("CN=*.example.com").to_der().unwrap();
        assert!(wildcard.windows(2).any(|w| w == [tag::UTF8_STRING, 13]));
        assert_eq!(
            DistinguishedName::from_der(&der).unwrap(),
            dn("CN=node1,DC=example,DC=com")
        );
    }

    #[test]
    fn from_der_reads_foreign_string_types() {
        let cn = asn1::oid("2.5.4.3");
        let bmp = asn1::bmp_string("Zoë");
        let odd = asn1::sequence(&[&asn1::oid("1.2.3.4"), &asn1::small_integer(5)]);
        let der = asn1::sequence(&[
            &asn1::set_of(&[&odd]),
            &asn1::set_of(&[&asn1::sequence(&[&cn, &bmp])]),
        ]);
        let d = DistinguishedName::from_der(&der).unwrap();
        assert_eq!(attrs(&d), vec![("CN", "Zoë"), ("1.2.3.4", "#020105")]);
        assert!(DistinguishedName::from_der(&[0x30, 0x05, 0x31]).is_err());
    }

    fn attribute_strategy() -> impl Strategy<Value = (String, String)> {
        let keyword = prop::sample::select(vec![
            "CN",
            "C",
            "L",
            "ST",
            "O",
            "OU",
            "DC",
            "UID",
            "EMAILADDRESS",
            "SERIALNUMBER",
            "STREET",
            "T",
        ]);
        // Characters that exercise escaping, plus some non-ASCII for UTF8String.
        let value = "[a-zA-Z0-9 ,=+<>#;\\\\\"'.*@é€-]{1,12}";
        (keyword, value).prop_map(|(k, v)| (k.to_string(), v))
    }

    proptest! {
        #[test]
        fn arbitrary_text_and_bytes_never_panic(text in "\\PC{0,40}", bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            // Either outcome is fine; what matters is a Result, and a parsed name displays.
            if let Ok(d) = text.parse::<DistinguishedName>() {
                prop_assert!(!d.attributes.is_empty());
                prop_assert!(d.to_string().parse::<DistinguishedName>().is_ok());
            }
            if let Ok(d) = DistinguishedName::from_der(&bytes) {
                let _ = d.to_string();
            }
        }

        #[test]
        fn display_parse_round_trip(mut attributes in prop::collection::vec(attribute_strategy(), 1..5)) {
            for (k, v) in &mut attributes {
                if k == "DC" || k == "EMAILADDRESS" {
                    v.retain(|c| c.is_ascii());
                    if v.is_empty() { v.push('x'); }
                }
            }
            let d = DistinguishedName { attributes };
            let text = d.to_string();
            let parsed: DistinguishedName = text.parse().unwrap();
            prop_assert_eq!(&parsed, &d);
            let shown: DistinguishedName = d.to_display_string().parse().unwrap();
            prop_assert_eq!(&shown, &d);
            let der = d.to_der().unwrap();
            prop_assert_eq!(DistinguishedName::from_der(&der).unwrap(), d);
        }
    }
}
