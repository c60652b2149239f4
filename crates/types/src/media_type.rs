//! `Accept` and `Content-Type` negotiation as Elasticsearch's `RestRequest` does it: which
//! media types are JSON or NDJSON, the REST compatibility version (`compatible-with=N`), and
//! the exact `media_type_header_exception` errors for headers that cannot be used.

use crate::error::{EsErrorType, EsException};

/// The major version the node reports (`version.number` 9.x).
pub const CURRENT_MAJOR: u8 = 9;
/// The oldest `compatible-with` version accepted. Elasticsearch 9 accepts 8 and 9; ironstack
/// also accepts 7 so that 7.x clients keep working.
pub const MINIMUM_COMPATIBLE_MAJOR: u8 = 7;

/// A body format the node reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json` and `application/vnd.elasticsearch+json`.
    Json,
    /// `application/x-ndjson` and `application/vnd.elasticsearch+x-ndjson`.
    Ndjson,
}

/// A REST compatibility version requested with `compatible-with=N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompatibleVersion(pub u8);

/// A parsed media-type header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMediaType {
    /// `type/subtype`, lower case.
    pub essence: String,
    /// Parameters, names lower case.
    pub parameters: Vec<(String, String)>,
    /// The header value as received.
    pub raw: String,
}

impl ParsedMediaType {
    /// Parses `type/subtype; k=v; ...` the way Elasticsearch's `ParsedMediaType` does.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut parts = raw.split(';');
        let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let valid_token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
        };
        match essence.split_once('/') {
            Some((t, s)) if valid_token(t) && valid_token(s) => {}
            _ => return Err(format!("invalid media-type [{raw}]")),
        }
        let mut parameters = Vec::new();
        for param in parts {
            let param = param.trim();
            if param.is_empty() {
                continue;
            }
            let Some((k, v)) = param.split_once('=') else {
                return Err(format!("invalid parameters for header [{raw}]"));
            };
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim().trim_matches('"').to_string();
            if k.is_empty() || v.is_empty() || v.contains(char::is_whitespace) {
                return Err(format!("invalid parameters for header [{raw}]"));
            }
            parameters.push((k, v));
        }
        Ok(Self {
            essence,
            parameters,
            raw: raw.to_string(),
        })
    }

    /// The JSON/NDJSON format this names, if it is one the node speaks.
    pub fn media_type(&self) -> Option<MediaType> {
        match self.essence.as_str() {
            "application/json" | "application/vnd.elasticsearch+json" => Some(MediaType::Json),
            "application/x-ndjson" | "application/vnd.elasticsearch+x-ndjson" => {
                Some(MediaType::Ndjson)
            }
            _ => None,
        }
    }

    fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn compatible_with(&self) -> Result<Option<u8>, String> {
        if !self.essence.starts_with("application/vnd.elasticsearch+") {
            return Ok(None);
        }
        match self.parameter("compatible-with") {
            None => Ok(None),
            Some(v) => v.parse::<u8>().map(Some).map_err(|_| {
                format!(
                    "invalid compatible-with value [{v}] in media type [{}]",
                    self.raw
                )
            }),
        }
    }
}

/// What the node learned from a request's `Accept` and `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedMedia {
    /// The request body format (`None` without a `Content-Type`, or for a type the node does
    /// not read; the caller decides whether that matters, i.e. whether there is a body).
    pub content_type: Option<MediaType>,
    /// The raw `Content-Type` value when it is not one the node reads.
    pub unsupported_content_type: Option<String>,
    /// The compatibility version asked for, if any.
    pub compatible_with: Option<CompatibleVersion>,
}

impl NegotiatedMedia {
    /// The `Content-Type` of a JSON response: the compatible media type echoed back when one
    /// was requested, as Elasticsearch does, else `application/json`.
    pub fn json_response_content_type(&self) -> String {
        match self.compatible_with {
            Some(CompatibleVersion(v)) => {
                format!("application/vnd.elasticsearch+json;compatible-with={v}")
            }
            None => "application/json".to_string(),
        }
    }
}

fn header_error(headers: &[&str], cause: EsException, cause_is_es: bool) -> Box<EsException> {
    Box::new(
        EsException::new(
            EsErrorType::MediaTypeHeader,
            format!(
                "Invalid media-type value on headers [{}]",
                headers.join(", ")
            ),
        )
        .caused_by(cause, cause_is_es),
    )
}

fn status_error(reason: String) -> EsException {
    EsException::with_status(EsErrorType::Status, 400, reason)
}

/// Negotiates the media types of a request from its header values (`None` when absent),
/// following Elasticsearch's `RestRequest` and `RestCompatibleVersionHelper`.
pub fn negotiate(
    accept: Option<&str>,
    content_type: Option<&str>,
    has_body: bool,
) -> Result<NegotiatedMedia, Box<EsException>> {
    let parse =
        |value: Option<&str>, name: &str| -> Result<Option<ParsedMediaType>, Box<EsException>> {
            match value {
                None => Ok(None),
                Some(v) if v.trim().is_empty() => Err(header_error(
                    &[name],
                    EsException::illegal_argument(format!("Header [{name}] cannot be empty.")),
                    false,
                )),
                Some(v) => ParsedMediaType::parse(v).map(Some).map_err(|reason| {
                    header_error(&[name], EsException::illegal_argument(reason), false)
                }),
            }
        };
    // Browsers and some tools send lists (`application/json, text/plain`); the first usable
    // entry wins, as ES's parser reads the first media type.
    let accept_first = accept.map(|a| a.split(',').next().unwrap_or("").trim());
    let parsed_accept = parse(accept_first, "Accept")?;
    let parsed_ct = parse(content_type, "Content-Type")?;

    let version_of = |p: &Option<ParsedMediaType>| -> Result<Option<u8>, Box<EsException>> {
        match p {
            None => Ok(None),
            Some(p) => p.compatible_with().map_err(|reason| {
                header_error(&["Accept", "Content-Type"], status_error(reason), true)
            }),
        }
    };
    let a_version = version_of(&parsed_accept)?;
    let c_version = version_of(&parsed_ct)?;
    let raw = |p: &Option<ParsedMediaType>| {
        p.as_ref()
            .map_or_else(|| "null".to_string(), |p| p.raw.clone())
    };
    let accept_version = a_version.unwrap_or(CURRENT_MAJOR);
    let content_version = c_version.unwrap_or(CURRENT_MAJOR);
    let in_range = |v: u8| (MINIMUM_COMPATIBLE_MAJOR..=CURRENT_MAJOR).contains(&v);
    let fail =
        |reason: String| header_error(&["Accept", "Content-Type"], status_error(reason), true);
    if !in_range(accept_version) {
        return Err(fail(format!(
            "Accept version must be either version {CURRENT_MAJOR}, 8 or {MINIMUM_COMPATIBLE_MAJOR}, but found {accept_version}. Accept={}",
            raw(&parsed_accept)
        )));
    }
    if has_body {
        if !in_range(content_version) {
            return Err(fail(format!(
                "Content-Type version must be either version {CURRENT_MAJOR}, 8 or {MINIMUM_COMPATIBLE_MAJOR}, but found {content_version}. Content-Type={}",
                raw(&parsed_ct)
            )));
        }
        if content_version != accept_version {
            return Err(fail(format!(
                "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match. Accept={}, Content-Type={}",
                raw(&parsed_accept),
                raw(&parsed_ct)
            )));
        }
        if a_version.is_some() != c_version.is_some() {
            return Err(fail(format!(
                "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept={}, Content-Type={}",
                raw(&parsed_accept),
                raw(&parsed_ct)
            )));
        }
    }
    let compatible_with = a_version.or(c_version).map(CompatibleVersion);
    let (content_type, unsupported_content_type) = match &parsed_ct {
        None => (None, None),
        Some(p) => match p.media_type() {
            Some(m) => (Some(m), None),
            None => (None, Some(p.raw.clone())),
        },
    };
    Ok(NegotiatedMedia {
        content_type,
        unsupported_content_type,
        compatible_with,
    })
}

/// Elasticsearch's 406 reason for a body whose `Content-Type` it cannot read.
pub fn unsupported_content_type_reason(content_type: Option<&str>) -> String {
    match content_type {
        None => "Content-Type header is missing".to_string(),
        Some(ct) => format!("Content-Type header [{ct}] is not supported"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_json_and_compatible_types_are_accepted() {
        let n = negotiate(Some("application/json"), Some("application/json"), true).unwrap();
        assert_eq!(n.content_type, Some(MediaType::Json));
        assert_eq!(n.json_response_content_type(), "application/json");
        for v in [7, 8, 9] {
            let h = format!("application/vnd.elasticsearch+json; compatible-with={v}");
            let n = negotiate(Some(&h), Some(&h), true).unwrap();
            assert_eq!(n.compatible_with, Some(CompatibleVersion(v)));
            assert_eq!(
                n.json_response_content_type(),
                format!("application/vnd.elasticsearch+json;compatible-with={v}")
            );
        }
        let nd = "application/vnd.elasticsearch+x-ndjson; compatible-with=8";
        let acc = "application/vnd.elasticsearch+json; compatible-with=8";
        assert_eq!(
            negotiate(Some(acc), Some(nd), true).unwrap().content_type,
            Some(MediaType::Ndjson)
        );
    }

    #[test]
    fn unsupported_versions_and_garbage_are_media_type_header_exceptions() {
        let h = "application/vnd.elasticsearch+json; compatible-with=6";
        let e = negotiate(Some(h), None, false).unwrap_err();
        let body = e.to_body(false);
        assert_eq!(body["status"], 400);
        assert_eq!(body["error"]["type"], "media_type_header_exception");
        assert_eq!(
            body["error"]["reason"],
            "Invalid media-type value on headers [Accept, Content-Type]"
        );
        assert_eq!(body["error"]["root_cause"][0]["type"], "status_exception");
        assert!(
            body["error"]["caused_by"]["reason"]
                .as_str()
                .unwrap()
                .starts_with("Accept version must be either version 9, 8 or 7, but found 6.")
        );

        let e = negotiate(Some("garbage"), None, false).unwrap_err();
        assert_eq!(e.reason, "Invalid media-type value on headers [Accept]");
        assert_eq!(e.caused_by.unwrap().reason, "invalid media-type [garbage]");

        let e = negotiate(None, Some("text"), true).unwrap_err();
        assert_eq!(
            e.reason,
            "Invalid media-type value on headers [Content-Type]"
        );
    }

    #[test]
    fn mismatched_versions_with_a_body_fail() {
        let a = "application/vnd.elasticsearch+json; compatible-with=8";
        let c = "application/vnd.elasticsearch+json; compatible-with=9";
        assert!(negotiate(Some(a), Some(c), true).is_err());
        assert!(negotiate(Some(a), Some(c), false).is_ok());
        assert!(negotiate(Some(a), Some("application/json"), true).is_err());
    }

    #[test]
    fn unknown_content_type_is_reported_for_the_caller() {
        let n = negotiate(None, Some("text/plain"), true).unwrap();
        assert_eq!(n.content_type, None);
        assert_eq!(n.unsupported_content_type.as_deref(), Some("text/plain"));
        assert_eq!(
            unsupported_content_type_reason(Some("text/plain")),
            "Content-Type header [text/plain] is not supported"
        );
    }
}
