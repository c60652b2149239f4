//! The server-rendered pages at Kibana's URLs and with Kibana's labels: login, the users and
//! roles pages of Stack Management → Security, and the "You need permission" page. Pages only
//! render what the node answered; the forms post to the console's internal APIs through the
//! embedded `console.js` (which adds `kbn-xsrf`).

use serde_json::Value;

use crate::html::Html;

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

/// The page frame: head, skip link, navigation with the user and "Log out", main landmark.
pub(crate) fn layout(
    base: &str,
    title: &str,
    user: Option<&str>,
    body: impl FnOnce(&mut Html),
) -> String {
    let mut h = Html::new();
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
                ("href", &format!("{base}/ui/console.css")),
            ],
        )
        .open(
            "script",
            &[("src", &format!("{base}/ui/console.js")), ("defer", "")],
        )
        .close("script")
        .close("head")
        .open("body", &[])
        .element(
            "a",
            &[("class", "skip"), ("href", "#main")],
            "Skip to main content",
        );
    if let Some(user) = user {
        h.open("header", &[])
            .open("nav", &[("aria-label", "Stack Management")])
            .element("span", &[("class", "brand")], "ironstack console")
            .element(
                "a",
                &[("href", &format!("{base}/app/management/security/users"))],
                "Users",
            )
            .element(
                "a",
                &[("href", &format!("{base}/app/management/security/roles"))],
                "Roles",
            )
            .close("nav")
            .open("div", &[("class", "user")])
            .element("span", &[("data-test-subj", "userMenuButton")], user)
            .element(
                "a",
                &[
                    ("href", &format!("{base}/api/security/logout")),
                    ("data-test-subj", "logoutLink"),
                ],
                "Log out",
            )
            .close("div")
            .close("header");
    }
    h.open("main", &[("id", "main")]);
    body(&mut h);
    h.close("main").close("body").close("html");
    h.finish()
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
pub(crate) fn permission(base: &str, user: &str, what: &str) -> String {
    layout(base, "Permission needed", Some(user), |h| {
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
pub(crate) fn node_error(base: &str, user: &str, message: &str) -> String {
    layout(base, "Error", Some(user), |h| {
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
pub(crate) fn users(base: &str, user: &str, users: &Value) -> String {
    layout(base, "Users", Some(user), |h| {
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
pub(crate) fn user_create(base: &str, user: &str, all_roles: &[String]) -> String {
    layout(base, "Create user", Some(user), |h| {
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
pub(crate) fn user_edit(
    base: &str,
    me: &str,
    name: &str,
    doc: &Value,
    all_roles: &[String],
) -> String {
    let reserved = is_reserved(doc) || RESERVED_USERS.contains(&name);
    let api = format!(
        "{base}/internal/security/users/{}",
        crate::routes::encode_segment(name)
    );
    let list = format!("{base}/app/management/security/users");
    layout(base, &format!("Edit user {name}"), Some(me), |h| {
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
pub(crate) fn roles(base: &str, user: &str, roles: &Value) -> String {
    layout(base, "Roles", Some(user), |h| {
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

/// `/app/management/security/roles/create` and `/roles/edit/<name>` (`doc` = the role).
pub(crate) fn role_editor(base: &str, user: &str, name: Option<&str>, doc: &Value) -> String {
    let reserved = is_reserved(doc);
    let list = format!("{base}/app/management/security/roles");
    let title = match name {
        Some(n) => format!("Edit role {n}"),
        None => "Create role".to_string(),
    };
    layout(base, &title, Some(user), |h| {
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
        h.open("div", &[("class", "rows")])
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let page = users(
            "",
            "elastic",
            &json!({
                "elastic": {"roles": ["superuser"], "enabled": true, "metadata": {"_reserved": true}},
                "<b>x": {"roles": ["a"], "full_name": "X <Y>", "enabled": false, "metadata": {}}
            }),
        );
        assert!(page.contains("&lt;b&gt;x") && !page.contains("<b>x"));
        assert!(page.contains("X &lt;Y&gt;"));
        assert!(page.contains(">Reserved<") && page.contains(">Deactivated<"));
        assert!(page.contains("/users/edit/%3Cb%3Ex"));
    }

    #[test]
    fn create_user_has_kibanas_fields() {
        let page = user_create("", "elastic", &["metricbeat_reader".to_string()]);
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
        let page = user_edit(
            "",
            "elastic",
            "kibana_system",
            &json!({"roles": ["kibana_system"], "metadata": {"_reserved": true}}),
            &[],
        );
        assert!(!page.contains(">Update user<") && !page.contains(">Delete user<"));
        assert!(page.contains(">Change password<"));
        let page = role_editor(
            "",
            "elastic",
            Some("superuser"),
            &json!({"cluster": ["all"], "metadata": {"_reserved": true}}),
        );
        assert!(!page.contains(">Update role<") && !page.contains(">Delete role<"));
        let page = role_editor(
            "",
            "elastic",
            Some("r"),
            &json!({"cluster": ["monitor", "custom:x"], "indices": [{"names": ["a-*"], "privileges": ["read"], "field_security": {"grant": ["f"], "except": ["g"]}, "query": "{\"term\":{\"x\":1}}"}]}),
        );
        assert!(page.contains(">Update role<") && page.contains(">Delete role<"));
        assert!(page.contains("value=\"custom:x\""));
        assert!(page.contains("value=\"a-*\"") && page.contains("{&quot;term&quot;"));
        assert!(page.contains("Index privilege 2"), "a blank row to add one");
    }

    #[test]
    fn permission_page_says_what_kibana_says() {
        let page = permission("", "bob", "users");
        assert!(page.contains("You need permission to manage users"));
        assert!(page.contains("Contact your system administrator."));
    }
}
