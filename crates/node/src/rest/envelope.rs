//! The outer layer every request and response passes through: reads the body (gzip/deflate
//! `Content-Encoding`, `http.max_content_length` → 413), negotiates `Accept`/`Content-Type`,
//! and renders whatever the handler returned — JSON with `?filter_path`/`?pretty`, text, or
//! an [`ApiError`] as Elasticsearch's error body — with `X-elastic-product: Elasticsearch`
//! and gzip when the client accepts it.

use std::io::Read;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use ironstack_types::media_type::{self, NegotiatedMedia};
use ironstack_types::{EsErrorType, EsException};

use super::render::{FilterPath, to_pretty};
use super::response::{ApiError, JsonBody, PrerenderedJson, TextBody};
use crate::state::AppState;

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
    pub(crate) fn from_query(query: Option<&str>) -> Self {
        let query: Vec<(String, String)> = query
            .map(|q| {
                url_decode_pairs(q)
                    .into_iter()
                    .filter(|(k, _)| !k.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let flag = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .is_some_and(|(_, v)| v.is_empty() || v == "true")
        };
        Self {
            pretty: flag("pretty"),
            human: flag("human"),
            error_trace: flag("error_trace"),
            filter_path: query
                .iter()
                .find(|(k, _)| k == "filter_path")
                .and_then(|(_, v)| FilterPath::parse(v)),
            query: query.clone(),
        }
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
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn url_decode_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn too_large(limit: u64) -> ApiError {
    ApiError::from(EsException::with_status(
        EsErrorType::ContentTooLong,
        413,
        format!("request body is larger than http.max_content_length [{limit}b]"),
    ))
}

/// Reads the whole body, undoing `Content-Encoding`, refusing more than `limit` bytes
/// (before and after decompression, so a small gzip bomb is refused too).
async fn read_body(body: Body, headers: &HeaderMap, limit: u64) -> Result<Bytes, ApiError> {
    let declared = header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    if axum::body::HttpBody::is_end_stream(&body) {
        return Ok(Bytes::new());
    }
    let limited = http_body_util::Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX));
    let raw = match limited.collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(too_large(limit)),
        Err(e) => {
            return Err(ApiError::illegal_argument(format!(
                "cannot read request body: {e}"
            )));
        }
    };
    let encoding = header_str(headers, header::CONTENT_ENCODING)
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let reader: Box<dyn Read + '_> = match encoding.as_str() {
        "" | "identity" => return Ok(raw),
        "gzip" | "x-gzip" => Box::new(flate2::read::GzDecoder::new(&raw[..])),
        "deflate" => Box::new(flate2::read::ZlibDecoder::new(&raw[..])),
        other => {
            return Err(ApiError::illegal_argument(format!(
                "unsupported Content-Encoding [{other}]"
            )));
        }
    };
    let mut out = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| ApiError::illegal_argument(format!("cannot decompress request body: {e}")))?;
    if out.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(Bytes::from(out))
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
pub(crate) async fn envelope(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let params = RenderParams::from_query(req.uri().query());
    let gzip = accepts_gzip(req.headers());
    let is_head = req.method() == Method::HEAD;
    let (mut parts, body) = req.into_parts();
    let default_media = NegotiatedMedia {
        content_type: None,
        unsupported_content_type: None,
        compatible_with: None,
    };
    if let Some(e) = params.filter_path.as_ref().and_then(FilterPath::rejection) {
        let resp = ApiError::from(e).into_response();
        return finish(resp, &params, &default_media, gzip, is_head);
    }
    let bytes = match read_body(body, &parts.headers, state.max_content_length).await {
        Ok(b) => b,
        Err(e) => return finish(e.into_response(), &params, &default_media, gzip, is_head),
    };
    let media = match media_type::negotiate(
        header_str(&parts.headers, header::ACCEPT),
        header_str(&parts.headers, header::CONTENT_TYPE),
        !bytes.is_empty(),
    ) {
        Ok(m) => m,
        Err(e) => {
            let resp = ApiError::from(e).into_response();
            return finish(resp, &params, &default_media, gzip, is_head);
        }
    };
    if !bytes.is_empty() && media.content_type.is_none() {
        let resp = ApiError::Simple {
            status: StatusCode::NOT_ACCEPTABLE,
            message: media_type::unsupported_content_type_reason(
                media.unsupported_content_type.as_deref(),
            ),
            with_status: true,
            allow: None,
        }
        .into_response();
        return finish(resp, &params, &media, gzip, is_head);
    }
    // The body was decoded; what the handler sees is plain.
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(params.clone());
    let response = next.run(req).await;
    finish(response, &params, &media, gzip, is_head)
}

/// Fallback for paths nothing is registered on.
pub(crate) async fn fallback(method: Method, uri: axum::http::Uri) -> Response {
    super::routes::no_handler(&method, &uri).into_response()
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
        let p = RenderParams::from_query(Some("pretty&human=false&filter_path=a%2Cb&x=1+2"));
        assert!(p.pretty);
        assert!(!p.human);
        assert!(p.filter_path.is_some());
        assert_eq!(p.param("x"), Some("1 2"));
        assert_eq!(percent_decode("%zz%41"), "%zzA");
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
