//! Distinguished names: parsing RFC 2253 strings as Java's `X500Principal` does, and encoding
//! them the way the JDK does (DER RDN order reversed, DC as IA5String).

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// An X.500 distinguished name, kept in RFC 2253 string order (most specific first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName {
    /// `(attribute type, value)` pairs in RFC 2253 order, e.g. `[("CN","node1"),("DC","example")]`.
    pub attributes: Vec<(String, String)>,
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
            .find(|(k, _)| k.eq_ignore_ascii_case("CN"))
            .map(|(_, v)| v.as_str())
    }

    /// Display form with `, ` separators, as the `http` wizard shows it (`CN=aserracorp, DC=com`).
    pub fn to_display_string(&self) -> String {
        todo!()
    }
}

impl FromStr for DistinguishedName {
    type Err = Error;
    /// Parses `CN=node1,DC=example,DC=com` (RFC 2253, with `\`-escapes and quoted values;
    /// spaces around separators allowed). Unknown attribute keywords and empty input are errors.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        todo!("{s}")
    }
}

impl fmt::Display for DistinguishedName {
    /// RFC 2253 form with `,` separators (`CN=node1,DC=example,DC=com`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("{:?}", f.alternate())
    }
}
