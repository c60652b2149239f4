//! The outer layer every request and response passes through: decodes the query string,
//! negotiates `Accept`/`Content-Type` from the headers, and renders whatever the handler
//! returned — JSON with `?filter_path`/`?pretty`, text, or an [`ApiError`] as Elasticsearch's
//! error body — with `X-elastic-product: Elasticsearch` and gzip when the client accepts it.
//! It never reads the request body: that happens after authentication (`pipeline.rs`).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ironstack_types::media_type::{self, NegotiatedMedia};

use super::params::decode_query_component;
use super::render::{FilterPath, to_pretty};
use super::response::{ApiError, JsonBody, PrerenderedJson, TextBody};

/// The query parameters every API honours.
#[derive(Debug, Clone, Default)]
pub(crate) struct RenderParams {
    pub(crate) pretty: bool,
    pub(crate) human: bool,
    pub(crate) error_trace: bool,
    pub(crate) filter_path: Option<FilterPath>,
    /// Every query parameter, decoded, for handlers.
    pub(crate) query: Vec<(String, String)>,
}

impl RenderParams {
    /// The parameters of a query string; Elasticsearch's 400 for a malformed escape.
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        for pair in query.unwrap_or_default().split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = decode_query_component(k).map_err(ApiError::illegal_argument)?;
            if k.is_empty() {
                continue;
            }
            let v = decode_query_component(v).map_err(ApiError::illegal_argument)?;
            pairs.push((k, v));
        }
        let flag = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .is_some_and(|(_, v)| v.is_empty() || v == "true")
        };
        Ok(Self {
            pretty: flag("pretty"),
            human: flag("human"),
            error_trace: flag("error_trace"),
            filter_path: pairs
                .iter()
                .find(|(k, _)| k == "filter_path")
                .and_then(|(_, v)| FilterPath::parse(v)),
            query: pairs,
        })
    }

    /// The parameters no route names because every response takes them
    /// (`BaseRestHandler`'s response parameters).
    pub(crate) const RESPONSE_PARAMETERS: &'static [&'static str] = &[
        "pretty",
        "human",
        "error_trace",
        "filter_path",
        "source",
        "source_content_type",
    ];

    /// Elasticsearch's 400 for URL parameters a route does not take (`request [path] contains
    /// unrecognized parameter: [x] -> did you mean [y]?`), or `Ok` when there is none.
    pub(crate) fn refuse_unknown(&self, path: &str, accepted: &[&str]) -> Result<(), ApiError> {
        let unknown: std::collections::BTreeSet<String> = self
            .query
            .iter()
            .map(|(k, _)| k)
            .filter(|k| {
                !accepted.contains(&k.as_str()) && !Self::RESPONSE_PARAMETERS.contains(&k.as_str())
            })
            .cloned()
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let mut candidates: Vec<&str> = accepted.to_vec();
        candidates.extend_from_slice(Self::RESPONSE_PARAMETERS);
        Err(ApiError::illegal_argument(super::node_stats::unrecognized(
            path,
            &unknown,
            &candidates,
            "parameter",
        )))
    }

    /// The value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter: present without value or `true`.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|v| v.is_empty() || v == "true")
    }

    /// A boolean parameter as Elasticsearch parses it: absent or `false` is false, empty or
    /// `true` is true, anything else its 400.
    pub(crate) fn boolean(&self, name: &str) -> Result<bool, ApiError> {
        match self.param(name) {
            None | Some("false") => Ok(false),
            Some("" | "true") => Ok(true),
            Some(other) => Err(ApiError::illegal_argument(format!(
                "Failed to parse value [{other}] as only [true] or [false] are allowed."
            ))),
        }
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    header_str(headers, header::ACCEPT_ENCODING).is_some_and(|v| {
        v.split(',').any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case("gzip") && !q_zero
        })
    })
}

/// Outer middleware: see the module documentation.
pub(crate) async fn envelope(req: Request, next: Next) -> Response {
    let gzip = accepts_gzip(req.headers());
    let is_head = req.method() == Method::HEAD;
    let default_media = NegotiatedMedia {
        content_type: None,
        unsupported_content_type: None,
        compatible_with: None,
    };
    let params = match RenderParams::from_query(req.uri().query()) {
        Ok(p) => p,
        Err(e) => {
            let plain = RenderParams::default();
            return finish(e.into_response(), &plain, &default_media, gzip, is_head);
        }
    };
    if let Some(e) = params.filter_path.as_ref().and_then(FilterPath::rejection) {
        let resp = ApiError::from(e).into_response();
        return finish(resp, &params, &default_media, gzip, is_head);
    }
    // The body is not read here: that waits until the request is authenticated (pipeline.rs).
    let media = match media_type::negotiate(
        header_str(req.headers(), header::ACCEPT),
        header_str(req.headers(), header::CONTENT_TYPE),
        super::body::announces_body(req.body()),
    ) {
        Ok(m) => m,
        Err(e) => {
            let resp = ApiError::from(e).into_response();
            return finish(resp, &params, &default_media, gzip, is_head);
        }
    };
    let mut req = req;
    req.extensions_mut().insert(params.clone());
    let response = next.run(req).await;
    finish(response, &params, &media, gzip, is_head)
}

/// Fallback for paths nothing is registered on.
pub(crate) async fn fallback(method: Method, uri: axum::http::Uri) -> Response {
    super::response::no_handler(&method, &uri).into_response()
}

fn json_content_type(media: &NegotiatedMedia) -> HeaderValue {
    match media.compatible_with {
        None => HeaderValue::from_static("application/json"),
        Some(_) => HeaderValue::try_from(media.json_response_content_type())
            .unwrap_or_else(|_| HeaderValue::from_static("application/json")),
    }
}

fn finish(
    mut response: Response,
    params: &RenderParams,
    media: &NegotiatedMedia,
    gzip: bool,
    is_head: bool,
) -> Response {
    let rendered: Option<(Bytes, HeaderValue)> =
        if let Some(error) = response.extensions_mut().remove::<ApiError>() {
            let headers = response.headers_mut();
            match &error {
                ApiError::Exception(e) => {
                    for (name, values) in &e.headers {
                        for v in values {
                            if let (Ok(n), Ok(v)) = (
                                header::HeaderName::try_from(name.as_str()),
                                HeaderValue::try_from(v.as_str()),
                            ) {
                                headers.append(n, v);
                            }
                        }
                    }
                }
                ApiError::Simple {
                    allow: Some(allow), ..
                } => {
                    if let Ok(v) = HeaderValue::try_from(allow.as_str()) {
                        headers.insert(header::ALLOW, v);
                    }
                }
                ApiError::Simple { .. } => {}
            }
            *response.status_mut() = error.status();
            Some((
                render_json(error.body(params.error_trace), params, false),
                json_content_type(media),
            ))
        } else if let Some(pre) = response.extensions_mut().remove::<Arc<PrerenderedJson>>() {
            let body = if params.pretty || params.filter_path.is_some() {
                render_json(pre.value.clone(), params, true)
            } else {
                pre.compact.clone()
            };
            Some((body, json_content_type(media)))
        } else if let Some(JsonBody(value)) = response.extensions_mut().remove::<JsonBody>() {
            Some((render_json(value, params, true), json_content_type(media)))
        } else {
            response
                .extensions_mut()
                .remove::<TextBody>()
                .map(|TextBody(text)| {
                    (
                        Bytes::from(text),
                        HeaderValue::from_static("text/plain; charset=UTF-8"),
                    )
                })
        };
    let headers = response.headers_mut();
    headers.insert(
        header::HeaderName::from_static("x-elastic-product"),
        HeaderValue::from_static("Elasticsearch"),
    );
    let Some((body, content_type)) = rendered else {
        return response;
    };
    headers.insert(header::CONTENT_TYPE, content_type);
    let body = if gzip && !body.is_empty() {
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(body.len() / 2),
            flate2::Compression::fast(),
        );
        match std::io::Write::write_all(&mut encoder, &body).and_then(|()| encoder.finish()) {
            Ok(compressed) => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
                Bytes::from(compressed)
            }
            Err(_) => body,
        }
    } else {
        body
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let (parts, _) = response.into_parts();
    let body = if is_head {
        Body::empty()
    } else {
        Body::from(body)
    };
    Response::from_parts(parts, body)
}

fn render_json(value: serde_json::Value, params: &RenderParams, filter: bool) -> Bytes {
    let value = match (&params.filter_path, filter) {
        (Some(f), true) => f.apply(value),
        _ => value,
    };
    Bytes::from(if params.pretty {
        to_pretty(&value).into_bytes()
    } else {
        serde_json::to_vec(&value).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_flags_and_decoding() {
        let p =
            RenderParams::from_query(Some("pretty&human=false&filter_path=a%2Cb&x=1+2")).unwrap();
        assert!(p.pretty);
        assert!(!p.human);
        assert!(p.filter_path.is_some());
        assert_eq!(p.param("x"), Some("1 2"));
        assert!(RenderParams::from_query(Some("x=%zz%41")).is_err());
    }

    #[test]
    fn gzip_acceptance() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.5"),
        );
        assert!(accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(!accepts_gzip(&h));
    }
}
