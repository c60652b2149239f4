//! Request bodies: read only after the request is authenticated, bounded by
//! `http.max_content_length` (before and after `Content-Encoding` is undone, so a small gzip
//! bomb is refused too) and by an idle timeout (a client that stops sending mid-body does not
//! hold the request forever), and parsed as Elasticsearch parses JSON (duplicate keys refused).

use std::io::Read;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use http_body_util::BodyExt;
use ironstack_types::{EsErrorType, EsException};
use serde_json::Value;

use super::response::ApiError;

/// How long a body may go without a byte arriving when `http.read_timeout` is `0` (its
/// default): Elasticsearch then waits forever, but a stalled body, even of an authenticated
/// client, must not pin a task forever. The same as the request-head timeout (server.rs).
pub(crate) const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Elasticsearch's 413.
pub(crate) fn too_large(limit: u64) -> ApiError {
    ApiError::from(EsException::with_status(
        EsErrorType::ContentTooLong,
        413,
        format!("request body is larger than http.max_content_length [{limit}b]"),
    ))
}

/// Whether a request announces a body (without reading it).
pub(crate) fn announces_body(body: &Body) -> bool {
    use axum::body::HttpBody;
    !body.is_end_stream() && body.size_hint().upper() != Some(0)
}

/// Reads the whole body, undoing `Content-Encoding`, refusing more than `limit` bytes and a
/// body that stalls for `idle` (408, and the connection is closed).
pub(crate) async fn read(
    body: Body,
    headers: &HeaderMap,
    limit: u64,
    idle: Duration,
) -> Result<Bytes, ApiError> {
    let declared = header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    if !announces_body(&body) {
        return Ok(Bytes::new());
    }
    let mut body = body;
    let mut raw = bytes::BytesMut::new();
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(ApiError::illegal_argument(format!(
                    "cannot read request body: {e}"
                )));
            }
            Err(_) => return Err(stalled(idle)),
        };
        if let Ok(data) = frame.into_data() {
            if raw.len() as u64 + data.len() as u64 > limit {
                return Err(too_large(limit));
            }
            raw.extend_from_slice(&data);
        }
    }
    let raw = raw.freeze();
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

/// A 408 for a body that stopped arriving; the caller closes an HTTP/1 connection after it,
/// since the rest of that body may still come.
fn stalled(idle: Duration) -> ApiError {
    ApiError::from(EsException::with_status(
        EsErrorType::Timeout,
        StatusCode::REQUEST_TIMEOUT.as_u16(),
        format!(
            "no part of the request body arrived for [{}s]",
            idle.as_secs()
        ),
    ))
}

/// Elasticsearch's `parse_exception`.
pub(crate) fn parse_error(reason: impl Into<String>) -> ApiError {
    ApiError::from(EsException::new(EsErrorType::Parse, reason))
}

/// The request body as JSON; `None` when there is none. A repeated key is an error, as in
/// Elasticsearch.
pub(crate) fn json(body: &Bytes) -> Result<Option<Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    ironstack_types::json::from_slice(body)
        .map(Some)
        .map_err(|e| ApiError::from(EsException::new(EsErrorType::XContentParse, e.to_string())))
}

/// The request body as JSON; Elasticsearch's `parse_exception` when there is none.
pub(crate) fn required_json(body: &Bytes) -> Result<Value, ApiError> {
    json(body)?.ok_or_else(|| parse_error("request body is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_an_x_content_parse_exception() {
        let e = json(&Bytes::from_static(br#"{"password":"a","password":"b"}"#)).unwrap_err();
        let body = e.body(false);
        assert_eq!(body["error"]["type"], "x_content_parse_exception");
        assert_eq!(body["error"]["reason"], "[1:26] Duplicate field 'password'");
        assert_eq!(body["status"], 400);
        assert_eq!(json(&Bytes::from_static(b" \n")).unwrap(), None);
    }

    #[tokio::test]
    async fn a_body_that_stops_arriving_times_out() {
        let body = Body::new(crate::rest::test_support::StallingBody {
            first: Some(Bytes::from_static(b"{\"a\":")),
            announced: None,
        });
        let e = read(body, &HeaderMap::new(), 1024, Duration::from_millis(50))
            .await
            .unwrap_err();
        assert_eq!(e.status(), StatusCode::REQUEST_TIMEOUT);
    }

    #[tokio::test]
    async fn limits_apply_before_and_after_decompression() {
        let e = read(
            Body::from(vec![b'x'; 101]),
            &HeaderMap::new(),
            100,
            BODY_IDLE_TIMEOUT,
        )
        .await
        .unwrap_err();
        assert_eq!(e.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, &vec![b' '; 10_000]).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
        let e = read(
            Body::from(gz.finish().unwrap()),
            &headers,
            1000,
            BODY_IDLE_TIMEOUT,
        )
        .await
        .unwrap_err();
        assert_eq!(e.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
