//! The handlers of spaces (`/api/spaces/space` and the Spaces pages), the API keys and role
//! mappings pages with their internal APIs, and the Discover and Dashboard placeholders.
//! Authorization already happened ([`crate::authz`]); space documents are written as the
//! console's own user, everything else as the user.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::authz::{self, Ctx};
use crate::kibana::FEATURES;
use crate::pages;
use crate::routes::{
    App, FormFields, boom, call, comma_list, encode_segment, fetch, forward_error, node_error_page,
    ok_message, page, try_response,
};
use crate::spaces::{self, Space, SpaceStore};

type Shared = Arc<App>;

/// Page size of the API keys list (`?size=` may ask for 1–1000).
const API_KEYS_PAGE: usize = 50;

fn store(app: &App) -> Option<SpaceStore<'_>> {
    app.internal_authorization
        .as_ref()
        .map(|authorization| SpaceStore {
            node: &app.node,
            authorization,
        })
}

fn no_credentials() -> Response {
    boom(
        StatusCode::SERVICE_UNAVAILABLE,
        "no credentials for the node",
    )
}

fn bad_body() -> Response {
    boom(
        StatusCode::BAD_REQUEST,
        "[request body]: expected a plain object value, but found [null] instead.",
    )
}

/// `GET /api/spaces/space`: the spaces the user may enter (`purpose=any`, Kibana's default).
pub(crate) async fn spaces_list(Extension(ctx): Extension<Ctx>) -> Response {
    let list: Vec<Value> = ctx.nav.spaces.iter().map(Space::to_api).collect();
    axum::Json(Value::Array(list)).into_response()
}

/// `GET /api/spaces/space/{id}`.
pub(crate) async fn space_get(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    if let Some(space) = ctx.nav.spaces.iter().find(|s| s.id == id) {
        return axum::Json(space.to_api()).into_response();
    }
    let Some(store) = store(&app) else {
        return no_credentials();
    };
    match store.get(&id).await {
        Ok(Some(_)) => boom(
            StatusCode::FORBIDDEN,
            &format!("Unauthorized to get {id} space"),
        ),
        Ok(None) => boom(StatusCode::NOT_FOUND, "Not Found"),
        Err((status, message)) => boom(status, &message),
    }
}

async fn create(app: &App, body: Value) -> Response {
    let mut space = match spaces::parse_space(&body) {
        Ok(s) => s,
        Err(m) => return boom(StatusCode::BAD_REQUEST, &m),
    };
    // Only the console's own default space is reserved.
    space.reserved = false;
    let Some(store) = store(app) else {
        return no_credentials();
    };
    match store.create(&space).await {
        Ok(()) => {
            tracing::info!("space [{}] created", space.id);
            axum::Json(space.to_api()).into_response()
        }
        Err((status, message)) => boom(status, &message),
    }
}

async fn update(app: &App, id: &str, body: Value) -> Response {
    let space = match spaces::parse_space(&body) {
        Ok(s) => s,
        Err(m) => return boom(StatusCode::BAD_REQUEST, &m),
    };
    if space.id != id {
        return boom(StatusCode::BAD_REQUEST, "Space ID cannot be changed");
    }
    let Some(store) = store(app) else {
        return no_credentials();
    };
    match store.update(&space).await {
        Ok(updated) => axum::Json(updated.to_api()).into_response(),
        Err((StatusCode::NOT_FOUND, _)) => boom(StatusCode::NOT_FOUND, "Not Found"),
        Err((status, message)) => boom(status, &message),
    }
}

/// `POST /api/spaces/space`.
pub(crate) async fn space_create(State(app): State<Shared>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_body();
    };
    create(&app, body).await
}

/// `PUT /api/spaces/space/{id}`.
pub(crate) async fn space_update(
    State(app): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_body();
    };
    update(&app, &id, body).await
}

/// `DELETE /api/spaces/space/{id}` (also the Spaces page's delete button): 204.
pub(crate) async fn space_delete(State(app): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(store) = store(&app) else {
        return no_credentials();
    };
    match store.delete(&id).await {
        Ok(()) => {
            tracing::info!("space [{id}] deleted");
            StatusCode::NO_CONTENT.into_response()
        }
        Err((StatusCode::NOT_FOUND, _)) => boom(StatusCode::NOT_FOUND, "Not Found"),
        Err((status, message)) => boom(status, &message),
    }
}

/// The space form's fields as the API body: features shown are the unchecked complement of
/// `disabledFeatures`.
fn space_form(body: &[u8]) -> Value {
    let form = FormFields::parse(body);
    let mut out = spaces::form_to_body(&form.0);
    let visible = form.all("visibleFeatures");
    out["disabledFeatures"] = json!(
        FEATURES
            .iter()
            .filter(|f| !visible.contains(&f.id))
            .map(|f| f.id)
            .collect::<Vec<_>>()
    );
    out
}

/// `POST /internal/spaces/space` (the create form).
pub(crate) async fn space_form_create(State(app): State<Shared>, body: Bytes) -> Response {
    create(&app, space_form(&body)).await
}

/// `POST /internal/spaces/space/{id}` (the edit form).
pub(crate) async fn space_form_update(
    State(app): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut body = space_form(&body);
    body["id"] = json!(id);
    update(&app, &id, body).await
}

/// `/app/management/kibana/spaces`.
pub(crate) async fn spaces_page(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let all = try_response!(authz::list_spaces(&app).await);
    page(pages::spaces(&ctx.frame(), &all))
}

/// `/app/management/kibana/spaces/create`.
pub(crate) async fn space_create_page(Extension(ctx): Extension<Ctx>) -> Response {
    page(pages::space_editor(&ctx.frame(), None))
}

/// `/app/management/kibana/spaces/edit/{id}`.
pub(crate) async fn space_edit_page(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(store) = store(&app) else {
        return no_credentials();
    };
    match store.get(&id).await {
        Ok(Some(space)) => page(pages::space_editor(&ctx.frame(), Some(&space))),
        Ok(None) => node_error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            &format!("Space '{id}' not found."),
        ),
        Err((status, message)) => node_error_page(&ctx, status, &message),
    }
}

/// `/app/discover` (a placeholder until Discover exists; the feature decides who sees it).
pub(crate) async fn discover_page(Extension(ctx): Extension<Ctx>) -> Response {
    page(pages::placeholder(&ctx.frame(), "Discover", "discoverApp"))
}

/// `/app/dashboards`.
pub(crate) async fn dashboards_page(Extension(ctx): Extension<Ctx>) -> Response {
    page(pages::placeholder(
        &ctx.frame(),
        "Dashboards",
        "dashboardsApp",
    ))
}

#[derive(serde::Deserialize)]
pub(crate) struct KeysQuery {
    after: Option<String>,
    size: Option<usize>,
}

/// `_query/api_key`'s body: newest first, `_doc` breaks ties (sorting on the id is refused,
/// as Elasticsearch refuses `_id` field data), `search_after` pages (so the list has no
/// 10,000 limit, unlike `from`).
pub(crate) fn api_keys_query(after: Option<&Value>, size: usize) -> Value {
    let mut body = json!({
        "size": size,
        "sort": [{"creation": {"order": "desc"}}, "_doc"],
    });
    if let Some(after) = after {
        body["search_after"] = after.clone();
    }
    body
}

/// `/app/management/security/api_keys[?after=<sort values>&size=<n>]`.
pub(crate) async fn api_keys_page(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<KeysQuery>,
) -> Response {
    let size = query.size.unwrap_or(API_KEYS_PAGE).clamp(1, 1000);
    let after = match query.after.as_deref() {
        None | Some("") => None,
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Array(_)) => Some(v),
            _ => {
                return boom(
                    StatusCode::BAD_REQUEST,
                    "[after]: expected the sort values of a key",
                );
            }
        },
    };
    let body = api_keys_query(after.as_ref(), size);
    let answer = try_response!(
        call(
            &app,
            Method::POST,
            "/_security/_query/api_key",
            &ctx.caller.authorization,
            Some(&body),
        )
        .await
    );
    if answer.status == 403 {
        return (
            StatusCode::FORBIDDEN,
            axum::response::Html(pages::permission(&ctx.frame(), "API keys")),
        )
            .into_response();
    }
    if !answer.ok() {
        return node_error_page(&ctx, StatusCode::OK, &answer.reason());
    }
    let keys = answer.body["api_keys"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let next = if keys.len() == size {
        keys.last()
            .and_then(|k| k.get("_sort"))
            .map(Value::to_string)
    } else {
        None
    };
    let total = answer.body["total"].as_u64().unwrap_or(keys.len() as u64);
    page(pages::api_keys(
        &ctx.frame(),
        &keys,
        total,
        size,
        next.as_deref(),
    ))
}

fn parse_json_field(form: &FormFields, field: &str, label: &str) -> Result<Option<Value>, String> {
    match form.one(field).map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => Ok(Some(v)),
            _ => Err(format!("{label} must be a JSON object.")),
        },
    }
}

/// The node's create-API-key body from the create form (name, expiry in days or a
/// duration, role descriptors and metadata as JSON).
pub(crate) fn api_key_request(form: &FormFields) -> Result<Value, String> {
    let name = form.one("name").map(str::trim).unwrap_or("");
    if name.is_empty() {
        return Err("Enter a name.".to_string());
    }
    let mut body = json!({ "name": name });
    match form.one("expiration").map(str::trim) {
        None | Some("") => {}
        Some(days) if days.bytes().all(|b| b.is_ascii_digit()) => {
            if days.trim_start_matches('0').is_empty() {
                return Err("Enter a valid duration or disable this option.".to_string());
            }
            body["expiration"] = json!(format!("{days}d"));
        }
        Some(duration) => body["expiration"] = json!(duration),
    }
    if let Some(descriptors) = parse_json_field(form, "role_descriptors", "Role descriptors")? {
        body["role_descriptors"] = descriptors;
    }
    if let Some(metadata) = parse_json_field(form, "metadata", "Metadata")? {
        body["metadata"] = metadata;
    }
    Ok(body)
}

/// `POST /internal/security/api_key`: creates the key as the user; the answer (shown once)
/// carries `encoded` and the Beats form `id:api_key`.
pub(crate) async fn api_key_create(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let request = match api_key_request(&form) {
        Ok(r) => r,
        Err(m) => return boom(StatusCode::BAD_REQUEST, &m),
    };
    let answer = try_response!(
        call(
            &app,
            Method::POST,
            "/_security/api_key",
            &ctx.caller.authorization,
            Some(&request),
        )
        .await
    );
    if !answer.ok() {
        return forward_error(&answer);
    }
    let id = answer.body["id"].as_str().unwrap_or("");
    let key = answer.body["api_key"].as_str().unwrap_or("");
    axum::Json(json!({
        "id": id,
        "name": answer.body["name"],
        "expiration": answer.body["expiration"],
        "encoded": answer.body["encoded"],
        "beats": format!("{id}:{key}"),
        "message": format!("Created API key '{}'", answer.body["name"].as_str().unwrap_or("")),
    }))
    .into_response()
}

/// `POST /internal/security/api_key/invalidate`: Kibana's `{apiKeys: [{id, name}], isAdmin}`
/// or the list page's form (`id`); answers `{itemsInvalidated, errors}`. A user who may not
/// invalidate any key is retried as the owner (`manage_own_api_key`).
pub(crate) async fn api_key_invalidate(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let ids: Vec<String> = match serde_json::from_slice::<Value>(&body) {
        Ok(v) => v["apiKeys"]
            .as_array()
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| k["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => FormFields::parse(&body)
            .all("id")
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    if ids.is_empty() {
        return boom(
            StatusCode::BAD_REQUEST,
            "[request body.apiKeys]: array size is [0], but cannot be smaller than [1]",
        );
    }
    let auth = &ctx.caller.authorization;
    let mut answer = try_response!(
        call(
            &app,
            Method::DELETE,
            "/_security/api_key",
            auth,
            Some(&json!({"ids": ids}))
        )
        .await
    );
    if answer.status == 403 {
        let owned = json!({"ids": ids, "owner": true});
        answer = try_response!(
            call(
                &app,
                Method::DELETE,
                "/_security/api_key",
                auth,
                Some(&owned)
            )
            .await
        );
    }
    if !answer.ok() {
        return forward_error(&answer);
    }
    let invalidated: Vec<Value> = answer.body["invalidated_api_keys"]
        .as_array()
        .map(|a| a.iter().map(|id| json!({"id": id})).collect())
        .unwrap_or_default();
    let errors = answer.body["error_details"].clone();
    let message = format!("Invalidated {} API key(s)", invalidated.len());
    axum::Json(json!({
        "itemsInvalidated": invalidated,
        "errors": if errors.is_null() { json!([]) } else { errors },
        "message": message,
    }))
    .into_response()
}

/// `/app/management/security/role_mappings`.
pub(crate) async fn role_mappings_page(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let mappings =
        try_response!(fetch(&app, &ctx, "/_security/role_mapping", "role mappings").await);
    page(pages::role_mappings(&ctx.frame(), &mappings))
}

/// `/app/management/security/role_mappings/create`.
pub(crate) async fn role_mapping_create_page(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    try_response!(fetch(&app, &ctx, "/_security/role_mapping", "role mappings").await);
    page(pages::role_mapping_editor(&ctx.frame(), None, &Value::Null))
}

/// `/app/management/security/role_mappings/edit/{name}`.
pub(crate) async fn role_mapping_edit_page(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Response {
    let path = format!("/_security/role_mapping/{}", encode_segment(&name));
    let mappings = try_response!(fetch(&app, &ctx, &path, "role mappings").await);
    let Some(doc) = mappings.get(&name) else {
        return node_error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            &format!("Role mapping '{name}' not found."),
        );
    };
    page(pages::role_mapping_editor(&ctx.frame(), Some(&name), doc))
}

/// The node's role mapping from the editor's form.
pub(crate) fn role_mapping_from_form(form: &FormFields) -> Result<Value, String> {
    let roles = comma_list(form.one("roles").unwrap_or(""));
    if roles.is_empty() {
        return Err("At least one role is required.".to_string());
    }
    let rules = match form.one("rules").map(str::trim) {
        None | Some("") => return Err("Mapping rules are required.".to_string()),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => v,
            _ => return Err("Mapping rules must be a JSON object.".to_string()),
        },
    };
    let mut mapping = json!({
        "roles": roles,
        "rules": rules,
        "enabled": form.one("enabled") == Some("true"),
    });
    if let Some(metadata) = parse_json_field(form, "metadata", "Metadata")? {
        mapping["metadata"] = metadata;
    }
    Ok(mapping)
}

/// `POST /internal/security/role_mapping/{name}`.
pub(crate) async fn role_mapping_save(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    if name.trim().is_empty() || name.trim() != name {
        return boom(
            StatusCode::BAD_REQUEST,
            "Please provide a valid role mapping name.",
        );
    }
    let form = FormFields::parse(&body);
    let mapping = match role_mapping_from_form(&form) {
        Ok(m) => m,
        Err(m) => return boom(StatusCode::BAD_REQUEST, &m),
    };
    let path = format!("/_security/role_mapping/{}", encode_segment(&name));
    let auth = &ctx.caller.authorization;
    if form.one("create") == Some("true") {
        let existing = try_response!(call(&app, Method::GET, &path, auth, None).await);
        if existing.ok() && existing.body.get(&name).is_some() {
            return boom(
                StatusCode::BAD_REQUEST,
                &format!("Role mapping '{name}' already exists."),
            );
        }
    }
    let answer = try_response!(call(&app, Method::PUT, &path, auth, Some(&mapping)).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    ok_message(&format!("Saved role mapping '{name}'"))
}

/// `DELETE /internal/security/role_mapping/{name}`.
pub(crate) async fn role_mapping_delete(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Response {
    let path = format!("/_security/role_mapping/{}", encode_segment(&name));
    let answer =
        try_response!(call(&app, Method::DELETE, &path, &ctx.caller.authorization, None).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    if answer.body["found"].as_bool() == Some(false) {
        return boom(
            StatusCode::NOT_FOUND,
            &format!("Role mapping '{name}' not found."),
        );
    }
    ok_message(&format!("Deleted role mapping '{name}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_pages_use_search_after() {
        let first = api_keys_query(None, 50);
        assert!(first.get("from").is_none() && first.get("search_after").is_none());
        assert_eq!(
            first["sort"],
            json!([{"creation": {"order": "desc"}}, "_doc"])
        );
        let next = api_keys_query(Some(&json!([1700000000000u64, "abc"])), 50);
        assert_eq!(next["search_after"], json!([1700000000000u64, "abc"]));
    }

    #[test]
    fn the_create_form_becomes_the_node_request() {
        let form = FormFields::parse(
            b"name=ci&expiration=30&role_descriptors=%7B%22r%22%3A%7B%22cluster%22%3A%5B%22monitor%22%5D%7D%7D&metadata=",
        );
        assert_eq!(
            api_key_request(&form).unwrap(),
            json!({"name": "ci", "expiration": "30d", "role_descriptors": {"r": {"cluster": ["monitor"]}}})
        );
        let e = api_key_request(&FormFields::parse(b"name=x&role_descriptors=%5B%5D")).unwrap_err();
        assert!(e.contains("JSON object"), "{e}");
        assert!(api_key_request(&FormFields::parse(b"name=")).is_err());
        assert!(api_key_request(&FormFields::parse(b"name=x&expiration=0")).is_err());
    }

    #[test]
    fn the_role_mapping_form_becomes_the_node_mapping() {
        let form = FormFields::parse(
            b"roles=viewer%2C+editor&rules=%7B%22field%22%3A%7B%22username%22%3A%22*%22%7D%7D&enabled=true&metadata=%7B%22a%22%3A1%7D",
        );
        assert_eq!(
            role_mapping_from_form(&form).unwrap(),
            json!({"roles": ["viewer", "editor"], "rules": {"field": {"username": "*"}}, "enabled": true, "metadata": {"a": 1}})
        );
        let e = role_mapping_from_form(&FormFields::parse(b"roles=a&rules=nope")).unwrap_err();
        assert!(e.contains("JSON object"));
        assert_eq!(
            role_mapping_from_form(&FormFields::parse(b"roles=a&rules=%7B%7D")).unwrap()["enabled"],
            false
        );
    }

    #[test]
    fn unchecked_features_are_disabled() {
        let body = space_form(b"id=sales&name=Sales&visibleFeatures=dashboard_v2");
        assert_eq!(
            body["disabledFeatures"],
            json!(["discover_v2", "monitoring"])
        );
    }
}
