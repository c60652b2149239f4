//! The server-rendered pages at Kibana's URLs and with Kibana's labels: login, the users and
//! roles pages of Stack Management → Security, and the "You need permission" page. Pages only
//! render what the node answered; the forms post to the console's internal APIs through the
//! embedded `console.js` (which adds `kbn-xsrf`).

use serde_json::Value;

use crate::authz::Nav;
use crate::html::Html;
use crate::kibana_role::BasePrivilege;
use crate::spaces::Space;

/// Built-in cluster privileges offered as checkboxes (others can be typed).
pub(crate) const CLUSTER_PRIVILEGES: &[&str] = &[
    "all",
    "monitor",
    "manage",
    "manage_security",
    "read_security",
    "manage_api_key",
    "manage_own_api_key",
    "manage_token",
    "manage_index_templates",
    "manage_ilm",
    "read_ilm",
    "manage_pipeline",
    "cancel_task",
    "create_snapshot",
];

/// Index privilege names suggested in the index privilege rows.
pub(crate) const INDEX_PRIVILEGES: &[&str] = &[
    "all",
    "read",
    "write",
    "index",
    "create",
    "create_doc",
    "create_index",
    "delete",
    "delete_index",
    "manage",
    "monitor",
    "view_index_metadata",
    "maintenance",
    "manage_ilm",
    "auto_configure",
];

/// Users that Kibana shows as reserved.
pub(crate) const RESERVED_USERS: &[&str] = &[
    "elastic",
    "kibana_system",
    "kibana",
    "logstash_system",
    "beats_system",
    "apm_system",
    "remote_monitoring_user",
];

/// Who and where a page is for: the links' base (basePath plus `/s/<space>`), the user, the
/// space, and what the header offers.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub(crate) base: &'a str,
    pub(crate) root: &'a str,
    pub(crate) user: &'a str,
    pub(crate) space: &'a Space,
    pub(crate) nav: &'a Nav,
}

/// The header: the apps, the space picker, the user and "Log out".
fn header(h: &mut Html, f: &Frame) {
    let base = f.base;
    h.open("header", &[])
        .open("nav", &[("aria-label", "Stack Management")])
        .element("span", &[("class", "brand")], "ironstack console");
    let mut links: Vec<(&str, String)> = vec![
        ("Users", format!("{base}/app/management/security/users")),
        ("Roles", format!("{base}/app/management/security/roles")),
        (
            "API keys",
            format!("{base}/app/management/security/api_keys"),
        ),
        (
            "Role mappings",
            format!("{base}/app/management/security/role_mappings"),
        ),
        (
            "Certificates",
            format!("{base}/app/management/stack/certificates"),
        ),
    ];
    if f.nav.manage_spaces {
        links.push(("Spaces", format!("{base}/app/management/kibana/spaces")));
    }
    for (app, label) in [
        ("discover", "Discover"),
        ("dashboards", "Dashboards"),
        ("monitoring", "Stack Monitoring"),
    ] {
        if f.nav.apps.contains(&app) {
            links.push((label, format!("{base}/app/{app}")));
        }
    }
    for (label, href) in &links {
        h.element("a", &[("href", href)], label);
    }
    h.close("nav");
    // The space picker: links, so it works with the keyboard and without script.
    h.open(
        "details",
        &[("class", "spaces"), ("data-test-subj", "spacesNavSelector")],
    )
    .open("summary", &[("aria-label", "Change current space")])
    .element("span", &[("class", "avatar")], &f.space.avatar_initials())
    .text(" ")
    .element("span", &[("data-test-subj", "currentSpace")], &f.space.name)
    .close("summary")
    .open("ul", &[]);
    for space in &f.nav.spaces {
        let target = crate::authz::space_base(f.root, &space.id);
        let href = format!("{target}/app/management/security/users");
        let mut attrs: Vec<(&str, &str)> = vec![("href", &href)];
        if space.id == f.space.id {
            attrs.push(("aria-current", "true"));
        }
        h.open("li", &[])
            .element("a", &attrs, &space.name)
            .close("li");
    }
    h.close("ul").close("details");
    h.open("div", &[("class", "user")])
        .element("span", &[("data-test-subj", "userMenuButton")], f.user)
        .element(
            "a",
            &[
                ("href", &format!("{}/api/security/logout", f.root)),
                ("data-test-subj", "logoutLink"),
            ],
            "Log out",
        )
        .close("div")
        .close("header");
}

/// The page frame: head, skip link, the header (when someone is logged in), main landmark.
pub(crate) fn layout(
    base: &str,
    title: &str,
    frame: Option<&Frame>,
    body: impl FnOnce(&mut Html),
) -> String {
    let mut h = Html::new();
    let assets = frame.map_or(base, |f| f.root);
    h.raw("<!DOCTYPE html>")
        .open("html", &[("lang", "en")])
        .open("head", &[])
        .void("meta", &[("charset", "utf-8")])
        .void(
            "meta",
            &[
                ("name", "viewport"),
                ("content", "width=device-width, initial-scale=1"),
            ],
        )
        .element("title", &[], &format!("{title} - Elastic"))
        .void(
            "link",
            &[
                ("rel", "stylesheet"),
                ("href", &format!("{assets}/ui/console.css")),
            ],
        )
        .open(
            "script",
            &[("src", &format!("{assets}/ui/console.js")), ("defer", "")],
        )
        .close("script")
        .close("head")
        .open("body", &[])
        .element(
            "a",
            &[("class", "skip"), ("href", "#main")],
            "Skip to main content",
        );
    if let Some(f) = frame {
        header(&mut h, f);
    }
    h.open("main", &[("id", "main")]);
    body(&mut h);
    h.close("main").close("body").close("html");
    h.finish()
}

/// Kibana's answer to a user without access to the page in this space.
pub(crate) fn forbidden(f: &Frame) -> String {
    layout(f.base, "Permission needed", Some(f), |h| {
        h.open(
            "section",
            &[
                ("class", "permission"),
                ("data-test-subj", "permissionDeniedMessage"),
            ],
        )
        .element(
            "h1",
            &[],
            "You do not have permission to access the requested page",
        )
        .element(
            "p",
            &[],
            "Either go back to the previous page or log in as a different user.",
        )
        .close("section");
    })
}

fn alert(h: &mut Html) {
    h.element(
        "div",
        &[
            ("class", "alert"),
            ("role", "alert"),
            ("aria-live", "assertive"),
        ],
        "",
    );
}

fn field(h: &mut Html, id: &str, label: &str, attributes: &[(&str, &str)]) {
    h.open("div", &[("class", "field")])
        .element("label", &[("for", id)], label);
    let mut all: Vec<(&str, &str)> = vec![("id", id), ("name", id)];
    all.extend_from_slice(attributes);
    h.void("input", &all).close("div");
}

/// `/login`.
pub(crate) fn login(
    base: &str,
    provider_type: &str,
    provider_name: &str,
    message: Option<&str>,
) -> String {
    layout(base, "Log in", None, |h| {
        h.open("div", &[("class", "login")])
            .element("h1", &[], "Welcome to Elastic");
        if let Some(message) = message {
            h.element("p", &[("class", "info"), ("role", "status")], message);
        }
        h.open(
            "form",
            &[
                ("method", "post"),
                ("action", &format!("{base}/internal/security/login")),
                ("data-login", ""),
                ("data-provider-type", provider_type),
                ("data-provider-name", provider_name),
                ("novalidate", ""),
            ],
        );
        field(
            h,
            "username",
            "Username",
            &[
                ("autocomplete", "username"),
                ("required", ""),
                ("autofocus", ""),
            ],
        );
        field(
            h,
            "password",
            "Password",
            &[
                ("type", "password"),
                ("autocomplete", "current-password"),
                ("required", ""),
            ],
        );
        alert(h);
        h.element(
            "button",
            &[("type", "submit"), ("data-test-subj", "loginSubmit")],
            "Log in",
        )
        .close("form")
        .close("div");
    })
}

/// Kibana's page for a user whose roles do not allow the page.
pub(crate) fn permission(f: &Frame, what: &str) -> String {
    layout(f.base, "Permission needed", Some(f), |h| {
        h.open(
            "section",
            &[
                ("class", "permission"),
                ("data-test-subj", "permissionDeniedMessage"),
            ],
        )
        .element("h1", &[], &format!("You need permission to manage {what}"))
        .element("p", &[], "Contact your system administrator.")
        .close("section");
    })
}

/// An error the node gave for a page.
pub(crate) fn node_error(f: &Frame, message: &str) -> String {
    layout(f.base, "Error", Some(f), |h| {
        h.element("h1", &[], "Something went wrong")
            .element("p", &[("role", "alert")], message);
    })
}

fn badge(h: &mut Html, text: &str) {
    h.element("span", &[("class", "badge")], text);
}

fn roles_of(user: &Value) -> Vec<String> {
    user["roles"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a user or role document is reserved.
pub(crate) fn is_reserved(doc: &Value) -> bool {
    doc["metadata"]["_reserved"].as_bool() == Some(true)
}

/// `/app/management/security/users`: the node's `GET /_security/user` answer.
pub(crate) fn users(f: &Frame, users: &Value) -> String {
    let base = f.base;
    layout(base, "Users", Some(f), |h| {
        h.open("div", &[("class", "title")])
            .element("h1", &[], "Users")
            .element(
                "a",
                &[
                    ("class", "button"),
                    (
                        "href",
                        &format!("{base}/app/management/security/users/create"),
                    ),
                ],
                "Create user",
            )
            .close("div");
        h.open("table", &[("data-test-subj", "userTable")])
            .element("caption", &[], "Users")
            .open("thead", &[])
            .open("tr", &[]);
        for c in ["User name", "Full name", "Email address", "Roles", "Status"] {
            h.element("th", &[("scope", "col")], c);
        }
        h.close("tr").close("thead").open("tbody", &[]);
        if let Some(map) = users.as_object() {
            let mut names: Vec<&String> = map.keys().collect();
            names.sort();
            for name in names {
                let u = &map[name.as_str()];
                h.open("tr", &[]).open("td", &[]).element(
                    "a",
                    &[(
                        "href",
                        &format!(
                            "{base}/app/management/security/users/edit/{}",
                            crate::routes::encode_segment(name)
                        ),
                    )],
                    name,
                );
                h.close("td")
                    .element("td", &[], u["full_name"].as_str().unwrap_or(""))
                    .element("td", &[], u["email"].as_str().unwrap_or(""))
                    .element("td", &[], &roles_of(u).join(", "))
                    .open("td", &[]);
                if is_reserved(u) {
                    badge(h, "Reserved");
                }
                if u["enabled"].as_bool() == Some(false) {
                    badge(h, "Deactivated");
                }
                h.close("td").close("tr");
            }
        }
        h.close("tbody").close("table");
    })
}

fn role_checkboxes(h: &mut Html, all_roles: &[String], selected: &[String], disabled: bool) {
    h.open("fieldset", &[("class", "checks")])
        .element("legend", &[], "Roles");
    for (i, role) in all_roles.iter().enumerate() {
        let id = format!("role-{i}");
        let mut attrs: Vec<(&str, &str)> = vec![
            ("type", "checkbox"),
            ("id", &id),
            ("name", "roles"),
            ("value", role),
        ];
        if selected.contains(role) {
            attrs.push(("checked", ""));
        }
        if disabled {
            attrs.push(("disabled", ""));
        }
        h.open("div", &[("class", "check")])
            .void("input", &attrs)
            .element("label", &[("for", &id)], role)
            .close("div");
    }
    h.close("fieldset");
}

/// `/app/management/security/users/create`.
pub(crate) fn user_create(f: &Frame, all_roles: &[String]) -> String {
    let base = f.base;
    layout(base, "Create user", Some(f), |h| {
        h.element("h1", &[], "Create user").open(
            "form",
            &[
                ("method", "post"),
                ("action", &format!("{base}/internal/security/users")),
                ("data-api", ""),
                ("data-path-field", "username"),
                (
                    "data-next",
                    &format!("{base}/app/management/security/users"),
                ),
                ("novalidate", ""),
            ],
        );
        h.open("fieldset", &[]).element("legend", &[], "Profile");
        field(
            h,
            "username",
            "Username",
            &[("required", ""), ("autocomplete", "off")],
        );
        field(h, "full_name", "Full name", &[]);
        field(h, "email", "Email address", &[("type", "email")]);
        h.close("fieldset")
            .open("fieldset", &[])
            .element("legend", &[], "Password");
        field(
            h,
            "password",
            "Password",
            &[
                ("type", "password"),
                ("autocomplete", "new-password"),
                ("required", ""),
            ],
        );
        field(
            h,
            "confirm_password",
            "Confirm password",
            &[
                ("type", "password"),
                ("autocomplete", "new-password"),
                ("required", ""),
            ],
        );
        h.close("fieldset");
        h.void(
            "input",
            &[("type", "hidden"), ("name", "create"), ("value", "true")],
        );
        role_checkboxes(h, all_roles, &[], false);
        alert(h);
        h.element("button", &[("type", "submit")], "Create user")
            .element(
                "a",
                &[("href", &format!("{base}/app/management/security/users"))],
                "Cancel",
            )
            .close("form");
    })
}

/// `/app/management/security/users/edit/<name>`.
pub(crate) fn user_edit(f: &Frame, name: &str, doc: &Value, all_roles: &[String]) -> String {
    let (base, me) = (f.base, f.user);
    let reserved = is_reserved(doc) || RESERVED_USERS.contains(&name);
    let api = format!(
        "{base}/internal/security/users/{}",
        crate::routes::encode_segment(name)
    );
    let list = format!("{base}/app/management/security/users");
    layout(base, &format!("Edit user {name}"), Some(f), |h| {
        h.element("h1", &[], &format!("Edit user '{name}'"));
        if reserved {
            h.element(
                "p",
                &[("class", "info")],
                "Reserved users are built-in and cannot be removed or modified. Only the password may be changed.",
            );
        }
        h.open(
            "form",
            &[
                ("method", "post"),
                ("action", &api),
                ("data-api", ""),
                ("data-next", &list),
            ],
        );
        h.open("fieldset", &[]).element("legend", &[], "Profile");
        field(
            h,
            "username",
            "Username",
            &[("value", name), ("readonly", "")],
        );
        let full_name = doc["full_name"].as_str().unwrap_or("");
        let email = doc["email"].as_str().unwrap_or("");
        if reserved {
            field(
                h,
                "full_name",
                "Full name",
                &[("value", full_name), ("disabled", "")],
            );
            field(
                h,
                "email",
                "Email address",
                &[("type", "email"), ("value", email), ("disabled", "")],
            );
        } else {
            field(h, "full_name", "Full name", &[("value", full_name)]);
            field(
                h,
                "email",
                "Email address",
                &[("type", "email"), ("value", email)],
            );
        }
        h.close("fieldset");
        role_checkboxes(h, all_roles, &roles_of(doc), reserved);
        alert(h);
        if !reserved {
            h.element("button", &[("type", "submit")], "Update user");
        }
        h.close("form");

        h.element("h2", &[], "Change password").open(
            "form",
            &[
                ("method", "post"),
                ("action", &format!("{api}/password")),
                ("data-api", ""),
                ("data-next", &list),
            ],
        );
        if name == me {
            field(
                h,
                "password",
                "Current password",
                &[("type", "password"), ("autocomplete", "current-password")],
            );
        }
        field(
            h,
            "newPassword",
            "New password",
            &[("type", "password"), ("autocomplete", "new-password")],
        );
        field(
            h,
            "confirmPassword",
            "Confirm password",
            &[("type", "password"), ("autocomplete", "new-password")],
        );
        alert(h);
        h.element("button", &[("type", "submit")], "Change password")
            .close("form");

        if name != me {
            let enabled = doc["enabled"].as_bool() != Some(false);
            let (action, label) = if enabled {
                ("_disable", "Deactivate user")
            } else {
                ("_enable", "Activate user")
            };
            h.open(
                "form",
                &[
                    ("method", "post"),
                    ("action", &format!("{api}/{action}")),
                    ("data-api", ""),
                    ("data-next", &list),
                ],
            );
            alert(h);
            h.element("button", &[("type", "submit")], label)
                .close("form");
        }
        if !reserved && name != me {
            h.open(
                "form",
                &[
                    ("method", "post"),
                    ("action", &api),
                    ("data-api", ""),
                    ("data-method", "DELETE"),
                    ("data-confirm", &format!("Delete user '{name}'?")),
                    ("data-next", &list),
                ],
            );
            alert(h);
            h.element(
                "button",
                &[("type", "submit"), ("class", "danger")],
                "Delete user",
            )
            .close("form");
        }
    })
}

/// `/app/management/security/roles`: the node's `GET /_security/role` answer.
pub(crate) fn roles(f: &Frame, roles: &Value) -> String {
    let base = f.base;
    layout(base, "Roles", Some(f), |h| {
        h.open("div", &[("class", "title")])
            .element("h1", &[], "Roles")
            .element(
                "a",
                &[
                    ("class", "button"),
                    (
                        "href",
                        &format!("{base}/app/management/security/roles/create"),
                    ),
                ],
                "Create role",
            )
            .close("div");
        h.open("table", &[("data-test-subj", "roleTable")])
            .element("caption", &[], "Roles")
            .open("thead", &[])
            .open("tr", &[]);
        for c in ["Role", "Description", "Status"] {
            h.element("th", &[("scope", "col")], c);
        }
        h.close("tr").close("thead").open("tbody", &[]);
        if let Some(map) = roles.as_object() {
            let mut names: Vec<&String> = map.keys().collect();
            names.sort();
            for name in names {
                let r = &map[name.as_str()];
                h.open("tr", &[]).open("td", &[]).element(
                    "a",
                    &[(
                        "href",
                        &format!(
                            "{base}/app/management/security/roles/edit/{}",
                            crate::routes::encode_segment(name)
                        ),
                    )],
                    name,
                );
                h.close("td")
                    .element("td", &[], r["description"].as_str().unwrap_or(""))
                    .open("td", &[]);
                if is_reserved(r) {
                    badge(h, "Reserved");
                }
                if r["metadata"]["_deprecated"].as_bool() == Some(true) {
                    badge(h, "Deprecated");
                }
                h.close("td").close("tr");
            }
        }
        h.close("tbody").close("table");
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn index_row(h: &mut Html, i: usize, entry: &Value) {
    let names = strings(&entry["names"]).join(", ");
    let privileges = strings(&entry["privileges"]).join(", ");
    let grant = strings(&entry["field_security"]["grant"]).join(", ");
    let except = strings(&entry["field_security"]["except"]).join(", ");
    let query = match &entry["query"] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let n = (i + 1).to_string();
    let id = |f: &str| format!("{f}-{i}");
    h.open("fieldset", &[("class", "index-row"), ("data-row", "")])
        .element("legend", &[], &format!("Index privilege {n}"));
    for (name, label, value, hint) in [
        (
            "index_names",
            "Indices",
            names.as_str(),
            "comma-separated, wildcards allowed",
        ),
        (
            "index_privileges",
            "Privileges",
            privileges.as_str(),
            "comma-separated",
        ),
        (
            "index_grant",
            "Granted fields",
            grant.as_str(),
            "empty = all fields",
        ),
        ("index_except", "Denied fields", except.as_str(), ""),
    ] {
        let fid = id(name);
        h.open("div", &[("class", "field")])
            .element("label", &[("for", &fid)], label)
            .void(
                "input",
                &[
                    ("id", &fid),
                    ("name", name),
                    ("value", value),
                    ("placeholder", hint),
                    (
                        "list",
                        if name == "index_privileges" {
                            "index-privileges"
                        } else {
                            ""
                        },
                    ),
                ],
            )
            .close("div");
    }
    let qid = id("index_query");
    h.open("div", &[("class", "field")])
        .element("label", &[("for", &qid)], "Granted documents query")
        .element(
            "textarea",
            &[("id", &qid), ("name", "index_query"), ("rows", "3")],
            &query,
        )
        .close("div")
        .close("fieldset");
}

/// One row of the Kibana privileges table: spaces, then all / read / customize per feature.
fn kibana_row(h: &mut Html, i: usize, entry: Option<&crate::kibana_role::KibanaPrivilege>) {
    let n = i + 1;
    let spaces = entry.map(|e| e.spaces.join(", ")).unwrap_or_default();
    let base = match entry {
        Some(e) if e.base.contains(&BasePrivilege::All) => "all",
        Some(e) if e.base.contains(&BasePrivilege::Read) => "read",
        Some(e) if !e.feature.is_empty() => "custom",
        _ => "none",
    };
    h.open("fieldset", &[("class", "kibana-row"), ("data-row", "")])
        .element("legend", &[], &format!("Kibana privilege {n}"));
    let sid = format!("kibana_spaces-{i}");
    h.open("div", &[("class", "field")])
        .element("label", &[("for", &sid)], "Spaces")
        .void(
            "input",
            &[
                ("id", &sid),
                ("name", "kibana_spaces"),
                ("value", &spaces),
                ("list", "space-ids"),
                (
                    "placeholder",
                    "* for all spaces, or comma-separated space ids",
                ),
            ],
        )
        .close("div");
    let bid = format!("kibana_base-{i}");
    h.open("div", &[("class", "field")])
        .element("label", &[("for", &bid)], "Privileges for all features")
        .open("select", &[("id", &bid), ("name", "kibana_base")]);
    for (value, label) in [
        ("none", "None"),
        ("all", "All"),
        ("read", "Read"),
        ("custom", "Customize"),
    ] {
        let mut attrs: Vec<(&str, &str)> = vec![("value", value)];
        if value == base {
            attrs.push(("selected", ""));
        }
        h.element("option", &attrs, label);
    }
    h.close("select").close("div");
    for feature in crate::kibana::FEATURES.iter().filter(|f| f.grantable()) {
        let fid = format!("kibana_feature.{}-{i}", feature.id);
        let chosen = entry
            .and_then(|e| e.feature.get(feature.id))
            .and_then(|p| p.first())
            .map(|p| p.trim_start_matches("minimal_"))
            .unwrap_or("none");
        h.open("div", &[("class", "field")])
            .element(
                "label",
                &[("for", &fid)],
                &format!("{} (when customized)", feature.name),
            )
            .open(
                "select",
                &[
                    ("id", &fid),
                    ("name", &format!("kibana_feature.{}", feature.id)),
                ],
            );
        for (value, label) in [("none", "None"), ("read", "Read"), ("all", "All")] {
            let mut attrs: Vec<(&str, &str)> = vec![("value", value)];
            if value == chosen {
                attrs.push(("selected", ""));
            }
            h.element("option", &attrs, label);
        }
        h.close("select").close("div");
    }
    h.close("fieldset");
}

/// The role editor's Kibana part, as Kibana's: privilege entries per space.
fn kibana_section(h: &mut Html, doc: &Value, spaces: &[Space], reserved: bool) {
    h.open("fieldset", &[("class", "plain")])
        .element("legend", &[], "Kibana");
    h.open("datalist", &[("id", "space-ids")])
        .void("option", &[("value", "*"), ("label", "* All Spaces")]);
    for s in spaces {
        h.void("option", &[("value", &s.id), ("label", &s.name)]);
    }
    h.close("datalist");
    let entries = match crate::kibana_role::from_applications(&doc["applications"]) {
        Ok(e) => e,
        Err(()) => {
            h.element(
                "p",
                &[("class", "info"), ("role", "status")],
                "This role's Kibana privileges cannot be edited here: they use a combination Kibana does not support.",
            );
            h.close("fieldset");
            return;
        }
    };
    h.open(
        "div",
        &[("class", "rows"), ("data-label", "Kibana privilege")],
    );
    let mut count = 0;
    for (i, entry) in entries.iter().enumerate() {
        kibana_row(h, i, Some(entry));
        count = i + 1;
    }
    if !reserved {
        kibana_row(h, count, None);
    }
    h.close("div");
    if !reserved {
        h.element(
            "button",
            &[("type", "button"), ("data-add-row", "")],
            "Add Kibana privilege",
        );
    }
    h.close("fieldset");
}

/// `/app/management/security/roles/create` and `/roles/edit/<name>` (`doc` = the role).
pub(crate) fn role_editor(f: &Frame, name: Option<&str>, doc: &Value, spaces: &[Space]) -> String {
    let base = f.base;
    let reserved = is_reserved(doc);
    let list = format!("{base}/app/management/security/roles");
    let title = match name {
        Some(n) => format!("Edit role {n}"),
        None => "Create role".to_string(),
    };
    layout(base, &title, Some(f), |h| {
        h.element("h1", &[], &title);
        if reserved {
            h.element(
                "p",
                &[("class", "info")],
                "Reserved roles are built-in and cannot be removed or modified.",
            );
        }
        let action = match name {
            Some(n) => format!(
                "{base}/internal/security/roles/{}",
                crate::routes::encode_segment(n)
            ),
            None => format!("{base}/internal/security/roles"),
        };
        let mut form: Vec<(&str, &str)> = vec![
            ("method", "post"),
            ("action", &action),
            ("data-api", ""),
            ("data-next", &list),
            ("novalidate", ""),
        ];
        if name.is_none() {
            form.push(("data-path-field", "name"));
        }
        h.open("form", &form);
        if name.is_none() {
            h.void(
                "input",
                &[("type", "hidden"), ("name", "create"), ("value", "true")],
            );
        }
        h.open("fieldset", &[("class", "plain")])
            .element("legend", &[], "Role");
        match name {
            Some(n) => field(h, "name", "Role name", &[("value", n), ("readonly", "")]),
            None => field(h, "name", "Role name", &[("required", "")]),
        }
        field(
            h,
            "description",
            "Description",
            &[("value", doc["description"].as_str().unwrap_or(""))],
        );
        h.close("fieldset");
        h.open("fieldset", &[("class", "plain")])
            .element("legend", &[], "Elasticsearch");
        let cluster = strings(&doc["cluster"]);
        h.open("fieldset", &[("class", "checks")])
            .element("legend", &[], "Cluster privileges");
        for (i, p) in CLUSTER_PRIVILEGES.iter().enumerate() {
            let id = format!("cluster-{i}");
            let mut attrs: Vec<(&str, &str)> = vec![
                ("type", "checkbox"),
                ("id", &id),
                ("name", "cluster"),
                ("value", p),
            ];
            if cluster.iter().any(|c| c == p) {
                attrs.push(("checked", ""));
            }
            h.open("div", &[("class", "check")])
                .void("input", &attrs)
                .element("label", &[("for", &id)], p)
                .close("div");
        }
        h.close("fieldset");
        let other: Vec<String> = cluster
            .iter()
            .filter(|c| !CLUSTER_PRIVILEGES.contains(&c.as_str()))
            .cloned()
            .collect();
        field(
            h,
            "cluster_other",
            "Other cluster privileges",
            &[
                ("value", &other.join(", ")),
                ("placeholder", "comma-separated"),
            ],
        );
        field(
            h,
            "run_as",
            "Run As privileges",
            &[
                ("value", &strings(&doc["run_as"]).join(", ")),
                ("placeholder", "comma-separated user names"),
            ],
        );
        h.open("datalist", &[("id", "index-privileges")]);
        for p in INDEX_PRIVILEGES {
            h.void("option", &[("value", p)]);
        }
        h.close("datalist");
        h.open(
            "div",
            &[("class", "rows"), ("data-label", "Index privilege")],
        )
        .element("h2", &[], "Index privileges");
        let entries = doc["indices"].as_array().cloned().unwrap_or_default();
        let mut count = 0;
        for (i, entry) in entries.iter().enumerate() {
            index_row(h, i, entry);
            count = i + 1;
        }
        if !reserved {
            index_row(h, count, &Value::Null);
        }
        h.close("div");
        if !reserved {
            h.element(
                "button",
                &[("type", "button"), ("data-add-row", "")],
                "Add index privilege",
            );
        }
        h.close("fieldset");
        kibana_section(h, doc, spaces, reserved);
        alert(h);
        if !reserved {
            let label = if name.is_some() {
                "Update role"
            } else {
                "Create role"
            };
            h.element("button", &[("type", "submit")], label);
        }
        h.element("a", &[("href", &list)], "Cancel").close("form");
        if let (Some(n), false) = (name, reserved) {
            h.open(
                "form",
                &[
                    ("method", "post"),
                    ("action", &action),
                    ("data-api", ""),
                    ("data-method", "DELETE"),
                    ("data-confirm", &format!("Delete role '{n}'?")),
                    ("data-next", &list),
                ],
            );
            alert(h);
            h.element(
                "button",
                &[("type", "submit"), ("class", "danger")],
                "Delete role",
            )
            .close("form");
        }
    })
}

fn title_bar(h: &mut Html, title: &str, create: Option<(&str, &str)>) {
    h.open("div", &[("class", "title")])
        .element("h1", &[], title);
    if let Some((label, href)) = create {
        h.element("a", &[("class", "button"), ("href", href)], label);
    }
    h.close("div");
}

fn table_head(h: &mut Html, test_subj: &str, caption: &str, columns: &[&str]) {
    h.open("table", &[("data-test-subj", test_subj)])
        .element("caption", &[], caption)
        .open("thead", &[])
        .open("tr", &[]);
    for c in columns {
        h.element("th", &[("scope", "col")], c);
    }
    h.close("tr").close("thead").open("tbody", &[]);
}

/// A form posting to a console API (through `console.js`).
fn api_form<'a>(h: &mut Html, action: &'a str, next: &'a str, extra: &[(&'a str, &'a str)]) {
    let mut attrs: Vec<(&str, &str)> = vec![
        ("method", "post"),
        ("action", action),
        ("data-api", ""),
        ("data-next", next),
        ("novalidate", ""),
    ];
    attrs.extend_from_slice(extra);
    h.open("form", &attrs);
}

fn delete_form(h: &mut Html, action: &str, next: &str, confirm: &str, label: &str) {
    api_form(
        h,
        action,
        next,
        &[("data-method", "DELETE"), ("data-confirm", confirm)],
    );
    alert(h);
    h.element("button", &[("type", "submit"), ("class", "danger")], label)
        .close("form");
}

/// `/app/management/kibana/spaces`.
pub(crate) fn spaces(f: &Frame, spaces: &[Space]) -> String {
    let base = f.base;
    layout(base, "Spaces", Some(f), |h| {
        let create = format!("{base}/app/management/kibana/spaces/create");
        title_bar(h, "Spaces", Some(("Create space", &create)));
        table_head(
            h,
            "spacesListTable",
            "Spaces",
            &["Space", "Identifier", "Description", "Features disabled"],
        );
        for s in spaces {
            let href = format!(
                "{base}/app/management/kibana/spaces/edit/{}",
                crate::routes::encode_segment(&s.id)
            );
            h.open("tr", &[])
                .open("td", &[])
                .element("span", &[("class", "avatar")], &s.avatar_initials())
                .text(" ")
                .element("a", &[("href", &href)], &s.name);
            if s.reserved {
                badge(h, "Reserved");
            }
            h.close("td")
                .element("td", &[], &s.id)
                .element("td", &[], s.description.as_deref().unwrap_or(""))
                .element("td", &[], &s.disabled_features.join(", "))
                .close("tr");
        }
        h.close("tbody").close("table");
    })
}

/// `/app/management/kibana/spaces/create` and `/edit/<id>`: Kibana's fields and the feature
/// visibility toggles.
pub(crate) fn space_editor(f: &Frame, space: Option<&Space>) -> String {
    let base = f.base;
    let list = format!("{base}/app/management/kibana/spaces");
    let title = match space {
        Some(s) => format!("Edit space '{}'", s.name),
        None => "Create space".to_string(),
    };
    layout(base, &title, Some(f), |h| {
        h.element("h1", &[], &title);
        let action = match space {
            Some(s) => format!(
                "{base}/internal/spaces/space/{}",
                crate::routes::encode_segment(&s.id)
            ),
            None => format!("{base}/internal/spaces/space"),
        };
        api_form(h, &action, &list, &[]);
        h.open("fieldset", &[])
            .element("legend", &[], "General details");
        field(
            h,
            "name",
            "Name",
            &[
                ("value", space.map_or("", |s| s.name.as_str())),
                ("required", ""),
            ],
        );
        match space {
            Some(s) => field(
                h,
                "id",
                "URL identifier",
                &[("value", &s.id), ("readonly", "")],
            ),
            None => field(
                h,
                "id",
                "URL identifier",
                &[
                    ("required", ""),
                    ("pattern", "[a-z0-9_\\-]+"),
                    ("placeholder", "lower case a-z, 0-9, _ and -"),
                ],
            ),
        }
        field(
            h,
            "description",
            "Description",
            &[(
                "value",
                space.and_then(|s| s.description.as_deref()).unwrap_or(""),
            )],
        );
        field(
            h,
            "initials",
            "Initials",
            &[
                (
                    "value",
                    space.and_then(|s| s.initials.as_deref()).unwrap_or(""),
                ),
                ("maxlength", "2"),
            ],
        );
        field(
            h,
            "color",
            "Color",
            &[
                (
                    "value",
                    space.and_then(|s| s.color.as_deref()).unwrap_or(""),
                ),
                ("placeholder", "#00bfb3"),
            ],
        );
        h.close("fieldset");
        h.open("fieldset", &[("class", "checks")]).element(
            "legend",
            &[],
            "Features visible in this space",
        );
        for (i, feature) in crate::kibana::FEATURES.iter().enumerate() {
            let id = format!("feature-{i}");
            let mut attrs: Vec<(&str, &str)> = vec![
                ("type", "checkbox"),
                ("id", &id),
                ("name", "visibleFeatures"),
                ("value", feature.id),
            ];
            if space.is_none_or(|s| !s.disables(feature.id)) {
                attrs.push(("checked", ""));
            }
            h.open("div", &[("class", "check")])
                .void("input", &attrs)
                .element("label", &[("for", &id)], feature.name)
                .close("div");
        }
        h.close("fieldset");
        alert(h);
        let label = if space.is_some() {
            "Update space"
        } else {
            "Create space"
        };
        h.element("button", &[("type", "submit")], label)
            .element("a", &[("href", &list)], "Cancel")
            .close("form");
        if let Some(s) = space.filter(|s| !s.reserved) {
            delete_form(
                h,
                &action,
                &list,
                &format!("Delete space '{}'?", s.name),
                "Delete space",
            );
        }
    })
}

/// An app that comes in a later version (Discover, Dashboards).
pub(crate) fn placeholder(f: &Frame, title: &str, test_subj: &str) -> String {
    layout(f.base, title, Some(f), |h| {
        h.open("section", &[("data-test-subj", test_subj)])
            .element("h1", &[], title)
            .element(
                "p",
                &[],
                &format!("{title} comes in a later version of ironstack console."),
            )
            .close("section");
    })
}

fn millis_text(v: &Value) -> String {
    match v.as_i64() {
        Some(ms) => ironstack_types::date::Timestamp::from_millisecond(ms)
            .map(ironstack_types::date::format_iso_millis)
            .unwrap_or_default(),
        None => String::new(),
    }
}

/// `/app/management/security/api_keys`: one page of keys (newest first), "Next page" with
/// the last key's sort values, and the create form.
pub(crate) fn api_keys(
    f: &Frame,
    keys: &[Value],
    total: u64,
    size: usize,
    next: Option<&str>,
) -> String {
    let base = f.base;
    let here = format!("{base}/app/management/security/api_keys");
    layout(base, "API keys", Some(f), |h| {
        title_bar(h, "API keys", None);
        h.element(
            "p",
            &[("data-test-subj", "apiKeysTotal")],
            &format!("{total} API keys"),
        );
        table_head(
            h,
            "apiKeysTable",
            "API keys",
            &["Name", "Type", "Owner", "Created", "Status", "Actions"],
        );
        for k in keys {
            let name = k["name"].as_str().unwrap_or("");
            let id = k["id"].as_str().unwrap_or("");
            let status = if k["invalidated"].as_bool() == Some(true) {
                "Invalidated".to_string()
            } else {
                match k["expiration"].as_i64() {
                    Some(at) if at <= ironstack_types::date::now_millis() => "Expired".to_string(),
                    Some(_) => format!("Expires {}", millis_text(&k["expiration"])),
                    None => "Active".to_string(),
                }
            };
            let kind = match k["type"].as_str() {
                Some("cross_cluster") => "Cross-Cluster",
                _ if k["metadata"]["managed"].as_bool() == Some(true) => "Managed",
                _ => "Personal",
            };
            h.open("tr", &[("data-key-id", id)])
                .element("td", &[], name)
                .element("td", &[], kind)
                .element("td", &[], k["username"].as_str().unwrap_or(""))
                .element("td", &[], &millis_text(&k["creation"]))
                .element("td", &[], &status)
                .open("td", &[]);
            if k["invalidated"].as_bool() != Some(true) {
                let action = format!("{base}/internal/security/api_key/invalidate");
                api_form(
                    h,
                    &action,
                    &here,
                    &[("data-confirm", &format!("Invalidate API key '{name}'?"))],
                );
                h.void(
                    "input",
                    &[("type", "hidden"), ("name", "id"), ("value", id)],
                );
                alert(h);
                h.element(
                    "button",
                    &[
                        ("type", "submit"),
                        ("class", "danger"),
                        ("aria-label", &format!("Invalidate {name}")),
                    ],
                    "Invalidate",
                )
                .close("form");
            }
            h.close("td").close("tr");
        }
        h.close("tbody").close("table");
        if let Some(after) = next {
            let href = format!(
                "{here}?size={size}&after={}",
                crate::routes::encode_segment(after)
            );
            h.element("a", &[("href", &href), ("rel", "next")], "Next page");
        }
        h.element("h2", &[], "Create API key");
        let action = format!("{base}/internal/security/api_key");
        api_form(h, &action, &here, &[("data-result", "api-key-result")]);
        field(h, "name", "Name", &[("required", "")]);
        field(
            h,
            "expiration",
            "Expire after time (days)",
            &[
                ("inputmode", "numeric"),
                ("placeholder", "empty: never expires"),
            ],
        );
        h.open("div", &[("class", "field")])
            .element(
                "label",
                &[("for", "role_descriptors")],
                "Role descriptors (JSON)",
            )
            .element(
                "textarea",
                &[
                    ("id", "role_descriptors"),
                    ("name", "role_descriptors"),
                    ("rows", "4"),
                    ("placeholder", "{}: the owner's privileges"),
                ],
                "",
            )
            .close("div")
            .open("div", &[("class", "field")])
            .element("label", &[("for", "metadata")], "Metadata (JSON)")
            .element(
                "textarea",
                &[("id", "metadata"), ("name", "metadata"), ("rows", "2")],
                "",
            )
            .close("div");
        alert(h);
        h.element("button", &[("type", "submit")], "Create API key")
            .close("form")
            .element(
                "output",
                &[
                    ("id", "api-key-result"),
                    ("class", "secret"),
                    ("aria-live", "polite"),
                    ("data-test-subj", "apiKeyResult"),
                ],
                "",
            );
    })
}

/// `/app/management/security/role_mappings`.
pub(crate) fn role_mappings(f: &Frame, mappings: &Value) -> String {
    let base = f.base;
    layout(base, "Role mappings", Some(f), |h| {
        let create = format!("{base}/app/management/security/role_mappings/create");
        title_bar(h, "Role mappings", Some(("Create role mapping", &create)));
        table_head(
            h,
            "roleMappingsTable",
            "Role mappings",
            &["Name", "Roles", "Status"],
        );
        if let Some(map) = mappings.as_object() {
            let mut names: Vec<&String> = map.keys().collect();
            names.sort();
            for name in names {
                let m = &map[name.as_str()];
                let href = format!(
                    "{base}/app/management/security/role_mappings/edit/{}",
                    crate::routes::encode_segment(name)
                );
                let status = if m["enabled"].as_bool() == Some(false) {
                    "Disabled"
                } else {
                    "Enabled"
                };
                h.open("tr", &[])
                    .open("td", &[])
                    .element("a", &[("href", &href)], name)
                    .close("td")
                    .element("td", &[], &strings(&m["roles"]).join(", "))
                    .element("td", &[], status)
                    .close("tr");
            }
        }
        h.close("tbody").close("table");
    })
}

/// `/app/management/security/role_mappings/create` and `/edit/<name>`.
pub(crate) fn role_mapping_editor(f: &Frame, name: Option<&str>, doc: &Value) -> String {
    let base = f.base;
    let list = format!("{base}/app/management/security/role_mappings");
    let title = match name {
        Some(n) => format!("Edit role mapping '{n}'"),
        None => "Create role mapping".to_string(),
    };
    layout(base, &title, Some(f), |h| {
        h.element("h1", &[], &title);
        let action = match name {
            Some(n) => format!(
                "{base}/internal/security/role_mapping/{}",
                crate::routes::encode_segment(n)
            ),
            None => format!("{base}/internal/security/role_mapping"),
        };
        let extra: &[(&str, &str)] = if name.is_none() {
            &[("data-path-field", "name")]
        } else {
            &[]
        };
        api_form(h, &action, &list, extra);
        match name {
            Some(n) => field(h, "name", "Mapping name", &[("value", n), ("readonly", "")]),
            None => {
                field(h, "name", "Mapping name", &[("required", "")]);
                h.void(
                    "input",
                    &[("type", "hidden"), ("name", "create"), ("value", "true")],
                );
            }
        }
        field(
            h,
            "roles",
            "Roles",
            &[
                ("value", &strings(&doc["roles"]).join(", ")),
                ("placeholder", "comma-separated role names"),
            ],
        );
        let json_text = |v: &Value| {
            if v.is_null() {
                String::new()
            } else {
                serde_json::to_string_pretty(v).unwrap_or_default()
            }
        };
        let rules = json_text(&doc["rules"]);
        let metadata = json_text(&doc["metadata"]);
        h.open("div", &[("class", "field")])
            .element("label", &[("for", "rules")], "Mapping rules (JSON)")
            .element(
                "textarea",
                &[
                    ("id", "rules"),
                    ("name", "rules"),
                    ("rows", "6"),
                    ("placeholder", "{\"field\": {\"realm.name\": \"ldap1\"}}"),
                ],
                &rules,
            )
            .close("div");
        let mut enabled: Vec<(&str, &str)> = vec![
            ("type", "checkbox"),
            ("id", "enabled"),
            ("name", "enabled"),
            ("value", "true"),
        ];
        if doc.is_null() || doc["enabled"].as_bool() != Some(false) {
            enabled.push(("checked", ""));
        }
        h.open("div", &[("class", "check")])
            .void("input", &enabled)
            .element("label", &[("for", "enabled")], "Enable mapping")
            .close("div")
            .open("div", &[("class", "field")])
            .element("label", &[("for", "metadata")], "Metadata (JSON)")
            .element(
                "textarea",
                &[("id", "metadata"), ("name", "metadata"), ("rows", "3")],
                &metadata,
            )
            .close("div");
        alert(h);
        let label = if name.is_some() {
            "Save role mapping"
        } else {
            "Create role mapping"
        };
        h.element("button", &[("type", "submit")], label)
            .element("a", &[("href", &list)], "Cancel")
            .close("form");
        if let Some(n) = name {
            delete_form(
                h,
                &action,
                &list,
                &format!("Delete role mapping '{n}'?"),
                "Delete role mapping",
            );
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with_frame<T>(user: &str, space: &Space, nav: &Nav, f: impl FnOnce(&Frame) -> T) -> T {
        let base = crate::authz::space_base("", &space.id);
        f(&Frame {
            base: &base,
            root: "",
            user,
            space,
            nav,
        })
    }

    fn elastic<T>(f: impl FnOnce(&Frame) -> T) -> T {
        with_frame("elastic", &Space::default_space(), &Nav::default(), f)
    }

    #[test]
    fn login_has_kibanas_labels() {
        let page = login(
            "/k",
            "token",
            "token1",
            Some("You have logged out of Elastic."),
        );
        assert!(page.contains("data-provider-type=\"token\" data-provider-name=\"token1\""));
        assert!(page.contains("<label for=\"username\">Username</label>"));
        assert!(page.contains("<label for=\"password\">Password</label>"));
        assert!(page.contains(">Log in</button>"));
        assert!(page.contains("action=\"/k/internal/security/login\""));
        assert!(page.contains("You have logged out of Elastic."));
    }

    #[test]
    fn users_list_escapes_and_badges() {
        let page = elastic(|f| {
            users(
                f,
                &json!({
                    "elastic": {"roles": ["superuser"], "enabled": true, "metadata": {"_reserved": true}},
                    "<b>x": {"roles": ["a"], "full_name": "X <Y>", "enabled": false, "metadata": {}}
                }),
            )
        });
        assert!(page.contains("&lt;b&gt;x") && !page.contains("<b>x"));
        assert!(page.contains("X &lt;Y&gt;"));
        assert!(page.contains(">Reserved<") && page.contains(">Deactivated<"));
        assert!(page.contains("/users/edit/%3Cb%3Ex"));
    }

    #[test]
    fn create_user_has_kibanas_fields() {
        let page = elastic(|f| user_create(f, &["metricbeat_reader".to_string()]));
        for label in [
            "Username",
            "Full name",
            "Email address",
            "Password",
            "Confirm password",
        ] {
            assert!(page.contains(&format!(">{label}</label>")), "{label}");
        }
        assert!(page.contains("<legend>Roles</legend>") && page.contains(">Create user</button>"));
    }

    #[test]
    fn reserved_users_and_roles_are_read_only() {
        let page = elastic(|f| {
            user_edit(
                f,
                "kibana_system",
                &json!({"roles": ["kibana_system"], "metadata": {"_reserved": true}}),
                &[],
            )
        });
        assert!(!page.contains(">Update user<") && !page.contains(">Delete user<"));
        assert!(page.contains(">Change password<"));
        let page = elastic(|f| {
            role_editor(
                f,
                Some("superuser"),
                &json!({"cluster": ["all"], "metadata": {"_reserved": true}}),
                &[],
            )
        });
        assert!(!page.contains(">Update role<") && !page.contains(">Delete role<"));
        let page = elastic(|f| {
            role_editor(
                f,
                Some("r"),
                &json!({"cluster": ["monitor", "custom:x"], "indices": [{"names": ["a-*"], "privileges": ["read"], "field_security": {"grant": ["f"], "except": ["g"]}, "query": "{\"term\":{\"x\":1}}"}],
                    "applications": [{"application": "kibana-.kibana", "privileges": ["space_read"], "resources": ["space:marketing"]}]}),
                &[Space::default_space()],
            )
        });
        assert!(page.contains(">Update role<") && page.contains(">Delete role<"));
        assert!(page.contains("value=\"custom:x\""));
        assert!(page.contains("value=\"a-*\"") && page.contains("{&quot;term&quot;"));
        assert!(page.contains("Index privilege 2"), "a blank row to add one");
        assert!(page.contains("value=\"marketing\""), "{page}");
        assert!(page.contains("<option value=\"read\" selected=\"\">Read</option>"));
        assert!(page.contains("Kibana privilege 2") && page.contains(">Add Kibana privilege<"));
    }

    #[test]
    fn permission_page_says_what_kibana_says() {
        let page = with_frame("bob", &Space::default_space(), &Nav::default(), |f| {
            permission(f, "users")
        });
        assert!(page.contains("You need permission to manage users"));
        assert!(page.contains("Contact your system administrator."));
    }

    #[test]
    fn the_header_has_the_space_picker_and_granted_apps_only() {
        let sales =
            crate::spaces::parse_space(&json!({"id": "sales", "name": "Sales team"})).unwrap();
        let nav = Nav {
            apps: vec!["discover"],
            manage_spaces: false,
            spaces: vec![Space::default_space(), sales.clone()],
        };
        let page = with_frame("bob", &sales, &nav, |f| {
            placeholder(f, "Discover", "discoverApp")
        });
        assert!(page.contains("href=\"/s/sales/app/discover\""), "{page}");
        assert!(!page.contains("/app/dashboards") && !page.contains("kibana/spaces"));
        assert!(page.contains("data-test-subj=\"currentSpace\">Sales team<"));
        assert!(page.contains("<a href=\"/app/management/security/users\">Default</a>"));
        assert!(
            page.contains("href=\"/s/sales/app/management/security/users\" aria-current=\"true\"")
        );
        assert!(page.contains(">ST<"), "initials");
        assert!(
            page.contains("src=\"/ui/console.js\""),
            "assets from the root"
        );
    }

    #[test]
    fn spaces_and_their_editor() {
        let mut sales = crate::spaces::parse_space(
            &json!({"id": "sales", "name": "Sales", "disabledFeatures": ["discover_v2"]}),
        )
        .unwrap();
        sales.description = Some("<b>".to_string());
        let list = elastic(|f| spaces(f, &[Space::default_space(), sales.clone()]));
        assert!(list.contains(">Reserved<") && list.contains("&lt;b&gt;"));
        assert!(list.contains("/app/management/kibana/spaces/edit/sales"));
        let edit = elastic(|f| space_editor(f, Some(&sales)));
        assert!(
            edit.contains("value=\"discover_v2\">")
                && !edit.contains("value=\"discover_v2\" checked")
        );
        assert!(edit.contains("value=\"dashboard_v2\" checked"));
        assert!(edit.contains(">Delete space<"));
        let default = elastic(|f| space_editor(f, Some(&Space::default_space())));
        assert!(
            !default.contains(">Delete space<"),
            "the default space is reserved"
        );
    }

    #[test]
    fn api_keys_page_pages_and_invalidates() {
        let keys = vec![
            json!({"id": "k1", "name": "ci", "username": "elastic", "creation": 1700000000000i64, "invalidated": false}),
            json!({"id": "k2", "name": "old", "username": "elastic", "creation": 1600000000000i64, "invalidated": true}),
        ];
        let page = elastic(|f| api_keys(f, &keys, 3, 2, Some("[1600000000000,\"k2\"]")));
        assert!(page.contains("3 API keys"));
        assert!(
            page.contains("?size=2&amp;after=%5B1600000000000%2C%22k2%22%5D"),
            "{page}"
        );
        assert!(
            page.contains("value=\"k1\"") && !page.contains("value=\"k2\""),
            "invalidated keys have no button"
        );
        assert!(page.contains(">Invalidated<") && page.contains("2023-11-14T22:13:20.000Z"));
        assert!(page.contains("data-result=\"api-key-result\""));
    }

    #[test]
    fn role_mappings_list_and_editor() {
        let m = json!({"ldap": {"enabled": false, "roles": ["viewer"], "rules": {"field": {"realm.name": "ldap1"}}}});
        let list = elastic(|f| role_mappings(f, &m));
        assert!(
            list.contains(">ldap<") && list.contains(">Disabled<") && list.contains(">viewer<")
        );
        let edit = elastic(|f| role_mapping_editor(f, Some("ldap"), &m["ldap"]));
        assert!(
            edit.contains("realm.name")
                && !edit.contains("id=\"enabled\" name=\"enabled\" value=\"true\" checked")
        );
        assert!(edit.contains(">Delete role mapping<"));
    }
}
