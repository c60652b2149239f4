//! What handlers return. Handlers never serialise: they hand a JSON value, a text table or an
//! error to the envelope, which renders all of them in one place (`?pretty`, `?filter_path`,
//! compatible media types, gzip, and Elasticsearch's error body).

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ironstack_types::EsException;
use serde_json::Value;

/// A JSON body waiting to be rendered by the envelope.
#[derive(Debug, Clone)]
pub(crate) struct JsonBody(pub(crate) Value);

/// A JSON body rendered once and served many times (`GET /`): the compact bytes go out as
/// they are; `?pretty`/`?filter_path` re-render from the value.
#[derive(Debug)]
pub(crate) struct PrerenderedJson {
    pub(crate) value: Value,
    pub(crate) compact: bytes::Bytes,
}

impl PrerenderedJson {
    pub(crate) fn new(value: Value) -> Self {
        let compact = bytes::Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        Self { value, compact }
    }
}

/// A response carrying a [`PrerenderedJson`].
#[derive(Debug)]
pub(crate) struct EsPrerendered(pub(crate) std::sync::Arc<PrerenderedJson>);

impl IntoResponse for EsPrerendered {
    fn into_response(self) -> Response {
        let mut response = StatusCode::OK.into_response();
        response.extensions_mut().insert(self.0);
        response
    }
}

/// A `text/plain` body (the `_cat` APIs).
#[derive(Debug, Clone)]
pub(crate) struct TextBody(pub(crate) String);

/// A JSON response with a status.
#[derive(Debug)]
pub(crate) struct EsJson(pub(crate) StatusCode, pub(crate) Value);

impl EsJson {
    pub(crate) fn ok(value: Value) -> Self {
        Self(StatusCode::OK, value)
    }
}

impl IntoResponse for EsJson {
    fn into_response(self) -> Response {
        let mut response = self.0.into_response();
        response.extensions_mut().insert(JsonBody(self.1));
        response
    }
}

/// A text response.
#[derive(Debug)]
pub(crate) struct EsText(pub(crate) String);

impl IntoResponse for EsText {
    fn into_response(self) -> Response {
        let mut response = StatusCode::OK.into_response();
        response.extensions_mut().insert(TextBody(self.0));
        response
    }
}

/// Every failure a handler or the pipeline reports. The envelope turns it into
/// Elasticsearch's error body: this type is the one mapping point.
#[derive(Debug, Clone)]
pub(crate) enum ApiError {
    /// An exception rendered as `{"error":{"root_cause":..},"status":N}`.
    Exception(Box<EsException>),
    /// Elasticsearch's short form `{"error":"<message>"}` (no handler found) or
    /// `{"error":"<message>","status":N}` (wrong method, unreadable content type), which
    /// its `RestController` sends for requests that never reach a handler.
    Simple {
        status: StatusCode,
        message: String,
        with_status: bool,
        allow: Option<String>,
    },
}

impl ApiError {
    pub(crate) fn illegal_argument(reason: impl Into<String>) -> Self {
        Self::Exception(Box::new(EsException::illegal_argument(reason)))
    }

    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        Self::Exception(Box::new(EsException::internal(reason)))
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Exception(e) => {
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::Simple { status, .. } => *status,
        }
    }

    pub(crate) fn body(&self, error_trace: bool) -> Value {
        match self {
            Self::Exception(e) => e.to_body(error_trace),
            Self::Simple {
                status,
                message,
                with_status,
                ..
            } => {
                let mut map = serde_json::Map::new();
                map.insert("error".into(), Value::String(message.clone()));
                if *with_status {
                    map.insert("status".into(), Value::from(status.as_u16()));
                }
                Value::Object(map)
            }
        }
    }
}

impl From<EsException> for ApiError {
    fn from(e: EsException) -> Self {
        Self::Exception(Box::new(e))
    }
}

impl From<ironstack_store::StoreError> for ApiError {
    fn from(e: ironstack_store::StoreError) -> Self {
        Self::Exception(Box::new(e.to_exception()))
    }
}

impl From<Box<EsException>> for ApiError {
    fn from(e: Box<EsException>) -> Self {
        Self::Exception(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The path (and query) of a request as Elasticsearch's messages show it: never the absolute
/// form an HTTP/2 request carries.
pub(crate) fn request_path(uri: &axum::http::Uri) -> &str {
    uri.path_and_query().map_or("/", |p| p.as_str())
}

/// Elasticsearch's 405: `Incorrect HTTP method for uri [..] and method [..], allowed: [..]`
/// with an `Allow` header.
pub(crate) fn method_not_allowed(
    method: &Method,
    uri: &axum::http::Uri,
    allowed: &[Method],
) -> ApiError {
    let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    ApiError::Simple {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: format!(
            "Incorrect HTTP method for uri [{}] and method [{method}], allowed: [{}]",
            request_path(uri),
            names.join(", ")
        ),
        with_status: true,
        allow: Some(names.join(",")),
    }
}

/// Elasticsearch's 400 for a path nothing is registered on.
pub(crate) fn no_handler(method: &Method, uri: &axum::http::Uri) -> ApiError {
    ApiError::Simple {
        status: StatusCode::BAD_REQUEST,
        message: format!(
            "no handler found for uri [{}] and method [{method}]",
            request_path(uri)
        ),
        with_status: false,
        allow: None,
    }
}
