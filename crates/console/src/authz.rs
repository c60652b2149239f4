//! Authorization per request (Kibana's §5): the one table saying what each route needs
//! ([`Access`]), the `/s/<space>` prefix, and the middleware that resolves the caller and the
//! space and asks the node one `_has_privileges` question as the user (application
//! `kibana-.kibana`, resource `space:<id>`, plus `space:manage` on `*`).

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{Html as HtmlBody, IntoResponse, Response};
use http::{Method, StatusCode, Uri};

use crate::kibana::{self, LOGIN, SPACE_MANAGE};
use crate::pages;
use crate::routes::{App, Caller, boom, call, caller, redirect};
use crate::spaces::{self, DEFAULT_SPACE, Space, SpaceStore};

/// What a route needs beyond being reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// No user needed (login, logout, status, assets).
    Public,
    /// A user with `login:` in the current space.
    Login,
    /// `login:` plus `app:<id>` in the space, and the app's feature not disabled there.
    App(&'static str),
    /// `login:` plus `space:manage` on every space (Kibana's global `all`).
    ManageSpaces,
}

impl Access {
    /// The rule for a route (its path template, without basePath or `/s/<id>`) and method;
    /// `None` for a route missing from the table, which the middleware refuses.
    pub(crate) fn of(route: &str, method: &Method) -> Option<Access> {
        let read = matches!(*method, Method::GET | Method::HEAD);
        Some(match route {
            "/login"
            | "/internal/security/login_state"
            | "/internal/security/login"
            | "/api/security/logout"
            | "/api/status"
            | "/ui/console.js"
            | "/ui/console.css" => Access::Public,
            "/"
            | "/app/management"
            | "/internal/security/me"
            | "/app/management/security/users"
            | "/app/management/security/users/create"
            | "/app/management/security/users/edit/{name}"
            | "/app/management/security/roles"
            | "/app/management/security/roles/create"
            | "/app/management/security/roles/edit/{name}"
            | "/app/management/security/api_keys"
            | "/app/management/security/role_mappings"
            | "/app/management/security/role_mappings/create"
            | "/app/management/security/role_mappings/edit/{name}"
            | "/app/management/stack/certificates"
            | "/internal/security/users/{name}"
            | "/internal/security/users/{name}/password"
            | "/internal/security/users/{name}/{action}"
            | "/internal/security/roles/{name}"
            | "/internal/security/api_key"
            | "/internal/security/api_key/invalidate"
            | "/internal/security/role_mapping/{name}"
            | "/api/security/role"
            | "/api/security/role/{name}" => Access::Login,
            "/api/spaces/space" | "/api/spaces/space/{id}" if read => Access::Login,
            "/api/spaces/space"
            | "/api/spaces/space/{id}"
            | "/app/management/kibana/spaces"
            | "/app/management/kibana/spaces/create"
            | "/app/management/kibana/spaces/edit/{id}"
            | "/internal/spaces/space"
            | "/internal/spaces/space/{id}" => Access::ManageSpaces,
            "/app/discover" => Access::App("discover"),
            "/app/dashboards" => Access::App("dashboards"),
            "/app/monitoring"
            | "/app/monitoring/elasticsearch/nodes"
            | "/app/monitoring/elasticsearch/nodes/{id}"
            | "/app/monitoring/elasticsearch/indices"
            | "/app/monitoring/elasticsearch/indices/{name}"
            | "/app/monitoring/beats"
            | "/app/monitoring/beats/beats"
            | "/app/monitoring/beats/beat/{uuid}" => Access::App("monitoring"),
            _ => return None,
        })
    }
}

/// The space a request addresses (`/s/<id>/…`; the default space has no prefix).
#[derive(Debug, Clone)]
pub(crate) struct SpaceId(pub(crate) String);

/// What the header shows: the apps and spaces this user may open here.
#[derive(Debug, Clone, Default)]
pub(crate) struct Nav {
    /// App ids (`discover`, `dashboards`, `monitoring`) granted and enabled in the space.
    pub(crate) apps: Vec<&'static str>,
    /// Whether the user may manage spaces.
    pub(crate) manage_spaces: bool,
    /// The spaces the user may log into (the space picker).
    pub(crate) spaces: Vec<Space>,
}

/// Everything a handler of a non-public route gets: who, where, and what the header shows.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) caller: Caller,
    pub(crate) space: Space,
    /// basePath plus `/s/<id>` outside the default space: every link of the page.
    pub(crate) base: String,
    /// basePath alone (login, logout, assets, other spaces).
    pub(crate) root: String,
    pub(crate) nav: Nav,
}

impl Ctx {
    /// The page frame for [`pages::layout`].
    pub(crate) fn frame(&self) -> pages::Frame<'_> {
        pages::Frame {
            base: &self.base,
            root: &self.root,
            user: &self.caller.username,
            space: &self.space,
            nav: &self.nav,
        }
    }
}

/// The apps whose nav links depend on privileges.
const NAV_APPS: &[&str] = &["discover", "dashboards", "monitoring"];

/// `base` plus the space prefix.
pub(crate) fn space_base(base: &str, space: &str) -> String {
    if space == DEFAULT_SPACE {
        base.to_string()
    } else {
        format!("{base}/s/{space}")
    }
}

/// Splits `/s/<id>/rest` (after basePath) into the space and the rest; `None` without one.
pub(crate) fn split_space_prefix<'a>(base: &str, path: &'a str) -> Option<(&'a str, String)> {
    let after_base = path.strip_prefix(base)?;
    let rest = after_base.strip_prefix("/s/")?;
    let (id, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    Some((id, format!("{base}{tail}")))
}

/// The outer middleware: strips `/s/<id>` so the routes match, and remembers the space.
pub(crate) async fn space_prefix(
    State(app): State<Arc<App>>,
    mut request: Request,
    next: Next,
) -> Response {
    let base = app.config.base_path.clone();
    let path = request.uri().path().to_string();
    let mut space = DEFAULT_SPACE.to_string();
    if let Some((id, rest)) = split_space_prefix(&base, &path) {
        if !spaces::valid_space_id(id) {
            return boom(StatusCode::NOT_FOUND, "Not Found");
        }
        space = id.to_string();
        let query = request
            .uri()
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        match format!("{rest}{query}").parse::<Uri>() {
            Ok(uri) => *request.uri_mut() = uri,
            Err(_) => return boom(StatusCode::BAD_REQUEST, "Bad Request"),
        }
    }
    request.extensions_mut().insert(SpaceId(space));
    next.run(request).await
}

/// The per-route middleware: the [`Access`] rule, the caller, the space, one
/// `_has_privileges` call; hands the handler a [`Ctx`].
pub(crate) async fn authorize(
    State(app): State<Arc<App>>,
    mut request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let route = route
        .strip_prefix(app.config.base_path.as_str())
        .unwrap_or(&route)
        .to_string();
    let route = if route.is_empty() {
        "/".to_string()
    } else {
        route
    };
    let Some(access) = Access::of(&route, request.method()) else {
        tracing::error!("route [{route}] has no access rule");
        return boom(
            StatusCode::INTERNAL_SERVER_ERROR,
            "route without an access rule",
        );
    };
    if access == Access::Public {
        return next.run(request).await;
    }
    let space_id = request
        .extensions()
        .get::<SpaceId>()
        .map(|s| s.0.clone())
        .unwrap_or_else(|| DEFAULT_SPACE.to_string());
    let uri = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone())
        .unwrap_or_else(|| request.uri().clone());
    let page = !route.starts_with("/api/") && !route.starts_with("/internal/");
    let caller = match caller(&app, request.headers(), &uri).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let all_spaces = match list_spaces(&app).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(space) = all_spaces.iter().find(|s| s.id == space_id).cloned() else {
        return boom(StatusCode::NOT_FOUND, &spaces::not_found(&space_id));
    };
    let resources: Vec<String> = all_spaces.iter().map(Space::resource).collect();
    let mut asked = vec![LOGIN.to_string()];
    asked.extend(NAV_APPS.iter().map(|a| format!("app:{a}")));
    let asked_refs: Vec<&str> = asked.iter().map(String::as_str).collect();
    let body = spaces::has_privileges_body(&resources, &asked_refs, &[SPACE_MANAGE]);
    let answer = match call(
        &app,
        Method::POST,
        "/_security/user/_has_privileges",
        &caller.authorization,
        Some(&body),
    )
    .await
    {
        Ok(a) => a,
        Err(r) => return r,
    };
    if answer.status == 401 {
        if let Some(cookie) = &caller.cookie {
            app.sessions.invalidate(cookie).await;
        }
        return crate::routes::unauthenticated(&app, request.headers(), &uri, true);
    }
    if !answer.ok() {
        return crate::routes::forward_error(&answer);
    }
    let here = space.resource();
    let g = |action: &str| spaces::granted(&answer.body, &here, action);
    let nav = Nav {
        apps: NAV_APPS
            .iter()
            .copied()
            .filter(|a| g(&format!("app:{a}")))
            .filter(|a| kibana::feature_of_app(a).is_none_or(|f| !space.disables(f.id)))
            .collect(),
        manage_spaces: spaces::granted(&answer.body, "*", SPACE_MANAGE),
        spaces: all_spaces
            .iter()
            .filter(|s| spaces::granted(&answer.body, &s.resource(), LOGIN))
            .cloned()
            .collect(),
    };
    let ctx = Ctx {
        base: space_base(&app.config.base_path, &space.id),
        root: app.config.base_path.clone(),
        caller,
        space,
        nav,
    };
    let allowed = g(LOGIN)
        && match access {
            Access::Public | Access::Login => true,
            Access::App(id) => ctx.nav.apps.contains(&id),
            Access::ManageSpaces => ctx.nav.manage_spaces,
        };
    if !allowed {
        tracing::info!(
            "[{}] is not authorized for [{route}] in space [{}]",
            ctx.caller.username,
            ctx.space.id
        );
        if !page {
            return boom(StatusCode::FORBIDDEN, "Forbidden");
        }
        if !g(LOGIN) && !ctx.nav.spaces.is_empty() {
            // Kibana sends a user without access to this space to one they may enter.
            let target = &ctx.nav.spaces[0].id;
            return redirect(&format!("{}/", space_base(&app.config.base_path, target)));
        }
        if let Access::App(app_id) = access {
            // Stack Monitoring explains which roles it needs (Kibana's access-denied page);
            // the other apps are "not found", as Kibana hides apps a role does not grant.
            if app_id == "monitoring" && g(LOGIN) {
                return (
                    StatusCode::FORBIDDEN,
                    HtmlBody(crate::monitoring::access_denied(&ctx.frame())),
                )
                    .into_response();
            }
            return boom(StatusCode::NOT_FOUND, "Not Found");
        }
        return (
            StatusCode::FORBIDDEN,
            HtmlBody(pages::forbidden(&ctx.frame())),
        )
            .into_response();
    }
    request.extensions_mut().insert(ctx);
    next.run(request).await
}

/// Every space, read as the console's own user.
pub(crate) async fn list_spaces(app: &App) -> Result<Vec<Space>, Response> {
    let Some(internal) = &app.internal_authorization else {
        return Err(boom(
            StatusCode::SERVICE_UNAVAILABLE,
            "no credentials for the node",
        ));
    };
    SpaceStore {
        node: &app.node,
        authorization: internal,
    }
    .list()
    .await
    .map_err(|(status, message)| boom(status, &message))
}

/// Kibana's login rule: the user must hold `login:` somewhere (globally or in a space).
pub(crate) async fn may_log_in(app: &App, caller: &Caller) -> Result<bool, Response> {
    let spaces = list_spaces(app).await?;
    let mut resources: Vec<String> = spaces.iter().map(Space::resource).collect();
    resources.push("*".to_string());
    let body = spaces::has_privileges_body(&resources, &[LOGIN], &[]);
    let answer = call(
        app,
        Method::POST,
        "/_security/user/_has_privileges",
        &caller.authorization,
        Some(&body),
    )
    .await?;
    if !answer.ok() {
        return Err(crate::routes::forward_error(&answer));
    }
    Ok(resources
        .iter()
        .any(|r| spaces::granted(&answer.body, r, LOGIN)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_an_access_rule() {
        for (path, methods) in crate::routes::route_table() {
            for method in methods {
                assert!(
                    Access::of(path, method).is_some(),
                    "{method} {path} is missing from Access::of"
                );
            }
        }
        assert_eq!(Access::of("/nope", &Method::GET), None);
    }

    #[test]
    fn space_writes_need_space_management_reads_a_login() {
        assert_eq!(
            Access::of("/api/spaces/space", &Method::GET),
            Some(Access::Login)
        );
        assert_eq!(
            Access::of("/api/spaces/space", &Method::POST),
            Some(Access::ManageSpaces)
        );
        assert_eq!(
            Access::of("/api/spaces/space/{id}", &Method::DELETE),
            Some(Access::ManageSpaces)
        );
        assert_eq!(
            Access::of("/app/discover", &Method::GET),
            Some(Access::App("discover"))
        );
        assert_eq!(Access::of("/login", &Method::GET), Some(Access::Public));
        for route in [
            "/app/monitoring",
            "/app/monitoring/elasticsearch/nodes/{id}",
            "/app/monitoring/beats/beat/{uuid}",
        ] {
            assert_eq!(
                Access::of(route, &Method::GET),
                Some(Access::App("monitoring")),
                "{route}"
            );
        }
    }

    #[test]
    fn the_space_prefix_is_split_off() {
        assert_eq!(
            split_space_prefix("", "/s/sales/app/discover"),
            Some(("sales", "/app/discover".to_string()))
        );
        assert_eq!(
            split_space_prefix("/k", "/k/s/sales"),
            Some(("sales", "/k/".to_string()))
        );
        assert_eq!(split_space_prefix("", "/app/s/x"), None);
        assert_eq!(space_base("/k", "default"), "/k");
        assert_eq!(space_base("/k", "sales"), "/k/s/sales");
    }
}
