//! Path parameters, decoded once by the pipeline with Elasticsearch's decoder and handed to
//! both the security gate and the handler, so that what is authorized and what is served are
//! the same names (a `%2C` inside an application name cannot be authorized as one name and
//! served as two).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::response::ApiError;

/// The matched route's parameters, percent-decoded.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathParams(Vec<(String, String)>);

impl PathParams {
    /// The parameters of route `pattern` (`/_security/user/{username}`) in the request's raw
    /// `path`, each segment decoded here (never by the router, whose decoding differs from
    /// Elasticsearch's).
    pub(crate) fn decode(pattern: &str, path: &str) -> Result<Self, ApiError> {
        let mut out = Vec::new();
        for (name, segment) in pattern.split('/').zip(path.split('/')) {
            let Some(name) = name.strip_prefix('{').and_then(|n| n.strip_suffix('}')) else {
                continue;
            };
            let value = decode_path_component(segment).map_err(ApiError::illegal_argument)?;
            out.push((name.to_string(), value));
        }
        Ok(Self(out))
    }

    /// A parameter's decoded value.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter every request on the route has.
    pub(crate) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .ok_or_else(|| ApiError::internal(format!("route has no parameter [{name}]")))
    }

    /// A comma-separated parameter as names; `None` when it means every name (`_all`, `*`,
    /// empty) or is absent.
    pub(crate) fn names(&self, name: &str) -> Option<Vec<String>> {
        names(self.get(name))
    }
}

/// A comma-separated list of names; `None` when it means every name (`_all`, `*`, empty) or
/// is absent.
pub(crate) fn names(value: Option<&str>) -> Option<Vec<String>> {
    let v = value?;
    if v.is_empty() || v == "_all" || v == "*" {
        return None;
    }
    Some(
        v.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(parts.extensions.get::<Self>().cloned().unwrap_or_default())
    }
}

/// A path segment decoded as Elasticsearch's `RestUtils.decodeComponent` does (`+` kept).
pub(crate) fn decode_path_component(s: &str) -> Result<String, String> {
    ironstack_types::percent::decode_path_segment(s)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| e.to_string())
}

/// A query-string name or value, where `+` is a space.
pub(crate) fn decode_query_component(s: &str) -> Result<String, String> {
    ironstack_types::percent::decode_query_component(s)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_come_from_the_raw_path() {
        let p = PathParams::decode(
            "/_security/privilege/{application}/{name}",
            "/_security/privilege/kibana-x%2C*/read",
        )
        .unwrap();
        assert_eq!(p.get("application"), Some("kibana-x,*"));
        assert_eq!(
            p.names("application"),
            Some(vec!["kibana-x".into(), "*".into()])
        );
        assert_eq!(p.get("name"), Some("read"));
        assert!(PathParams::decode("/{index}", "/a%zz").is_err());
    }

    #[test]
    fn name_lists() {
        assert_eq!(names(Some("_all")), None);
        assert_eq!(names(Some("a,,b")), Some(vec!["a".into(), "b".into()]));
    }
}
