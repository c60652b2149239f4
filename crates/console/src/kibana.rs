//! Kibana's application privileges as the console registers them (application
//! `kibana-.kibana`): the features the console serves, the actions each privilege grants
//! (Kibana 9.x names: no version segment), and the start-up registration that writes them
//! only when what the node holds differs.

use std::collections::{BTreeMap, BTreeSet};

use http::Method;
use ironstack_tls::Secret;
use serde_json::{Map, Value, json};

use crate::node_client::NodeClient;
use crate::routes::encode_segment;

/// `kibana-` + `kibana.index`.
pub(crate) const APPLICATION: &str = "kibana-.kibana";

/// Kibana's `login:` action, part of every privilege a user can log in with.
pub(crate) const LOGIN: &str = "login:";

/// The action that lets a user create, edit and delete spaces (checked on `*`).
pub(crate) const SPACE_MANAGE: &str = "space:manage";

/// Saved-object operations a read privilege grants.
const READ_OPERATIONS: &[&str] = &[
    "bulk_get",
    "get",
    "find",
    "open_point_in_time",
    "close_point_in_time",
];
/// Operations an all privilege adds.
const WRITE_OPERATIONS: &[&str] = &[
    "create",
    "bulk_create",
    "update",
    "bulk_update",
    "delete",
    "bulk_delete",
    "share_to_space",
];

/// What one feature privilege (read or all) grants, in Kibana's feature-definition terms.
#[derive(Debug)]
pub(crate) struct FeaturePrivilege {
    saved_objects_all: &'static [&'static str],
    saved_objects_read: &'static [&'static str],
    ui: &'static [&'static str],
    api: &'static [&'static str],
}

/// A Kibana feature the console serves (or reserves the name of, for its built-in roles).
#[derive(Debug)]
pub(crate) struct Feature {
    /// Feature id (`feature_<id>.<privilege>`, `disabledFeatures`).
    pub(crate) id: &'static str,
    /// The name the role editor and the space form show.
    pub(crate) name: &'static str,
    /// Apps the feature opens (`app:<id>`, `ui:navLinks/<id>`).
    pub(crate) apps: &'static [&'static str],
    catalogue: &'static [&'static str],
    /// `read` and `all`; `None` for features only a reserved privilege grants.
    privileges: Option<(FeaturePrivilege, FeaturePrivilege)>,
    /// `reserved_<id>` privileges (granted by built-in Elasticsearch roles only).
    reserved: Option<&'static str>,
}

impl Feature {
    /// Whether roles can grant `feature_<id>.*` (reserved-only features cannot).
    pub(crate) fn grantable(&self) -> bool {
        self.privileges.is_some()
    }
}

/// The features the console serves, with Kibana 9.x ids. Discover and Dashboard are pages
/// that say they come later; Stack Monitoring is granted only by the reserved privilege of
/// the `monitoring_user` role, as in Kibana. Security management is not a feature: the
/// node's cluster privileges decide it.
pub(crate) const FEATURES: &[Feature] = &[
    Feature {
        id: "discover_v2",
        name: "Discover",
        apps: &["discover", "kibana"],
        catalogue: &["discover"],
        privileges: Some((
            FeaturePrivilege {
                saved_objects_all: &[],
                saved_objects_read: &["index-pattern", "search", "query"],
                ui: &["show"],
                api: &[],
            },
            FeaturePrivilege {
                saved_objects_all: &["search", "query"],
                saved_objects_read: &["index-pattern"],
                ui: &["show", "save", "saveQuery"],
                api: &["fileUpload:analyzeFile"],
            },
        )),
        reserved: None,
    },
    Feature {
        id: "dashboard_v2",
        name: "Dashboard",
        apps: &["dashboards", "kibana"],
        catalogue: &["dashboard"],
        privileges: Some((
            FeaturePrivilege {
                saved_objects_all: &[],
                saved_objects_read: &[
                    "index-pattern",
                    "search",
                    "visualization",
                    "lens",
                    "dashboard",
                    "tag",
                ],
                ui: &["show"],
                api: &["bulkGetUserProfiles", "dashboardUsageStats"],
            },
            FeaturePrivilege {
                saved_objects_all: &["dashboard"],
                saved_objects_read: &["index-pattern", "search", "visualization", "lens", "tag"],
                ui: &["createNew", "show", "showWriteControls"],
                api: &["bulkGetUserProfiles", "dashboardUsageStats"],
            },
        )),
        reserved: None,
    },
    Feature {
        id: "monitoring",
        name: "Stack Monitoring",
        apps: &["monitoring", "kibana"],
        catalogue: &["monitoring"],
        privileges: None,
        reserved: Some("monitoring"),
    },
];

/// The feature with this id.
pub(crate) fn feature(id: &str) -> Option<&'static Feature> {
    FEATURES.iter().find(|f| f.id == id)
}

/// The feature that owns an app id (`discover` → Discover), ignoring the shared `kibana` app.
pub(crate) fn feature_of_app(app: &str) -> Option<&'static Feature> {
    FEATURES
        .iter()
        .find(|f| f.apps.iter().any(|a| *a == app && *a != "kibana"))
}

fn app_actions(feature: &Feature, out: &mut Vec<String>) {
    for app in feature.apps {
        out.push(format!("app:{app}"));
    }
    for entry in feature.catalogue {
        out.push(format!("ui:catalogue/{entry}"));
    }
    for app in feature.apps {
        out.push(format!("ui:navLinks/{app}"));
    }
}

/// The actions of one feature privilege, in Kibana's builder order.
fn privilege_actions(feature: &Feature, privilege: &FeaturePrivilege) -> Vec<String> {
    let mut out = Vec::new();
    for tag in privilege.api {
        out.push(format!("api:{tag}"));
    }
    app_actions(feature, &mut out);
    for kind in privilege.saved_objects_all {
        for op in READ_OPERATIONS.iter().chain(WRITE_OPERATIONS) {
            out.push(format!("saved_object:{kind}/{op}"));
        }
    }
    for kind in privilege.saved_objects_read {
        for op in READ_OPERATIONS {
            out.push(format!("saved_object:{kind}/{op}"));
        }
    }
    for cap in privilege.ui {
        out.push(format!("ui:{}/{cap}", feature.id));
    }
    out
}

fn push_unique(out: &mut Vec<String>, actions: impl IntoIterator<Item = String>) {
    for a in actions {
        if !out.contains(&a) {
            out.push(a);
        }
    }
}

/// Every privilege of `kibana-.kibana`: name → actions (Kibana's composition: base
/// privileges are the union of the feature privileges, `all` adds space management).
pub(crate) fn privileges() -> BTreeMap<String, Vec<String>> {
    let mut map = BTreeMap::new();
    let mut all_actions = Vec::new();
    let mut read_actions = Vec::new();
    for feature in FEATURES {
        if let Some((read, all)) = &feature.privileges {
            let read = privilege_actions(feature, read);
            let all = privilege_actions(feature, all);
            push_unique(&mut all_actions, all.iter().cloned());
            push_unique(&mut all_actions, read.iter().cloned());
            push_unique(&mut read_actions, read.iter().cloned());
            for (name, actions) in [
                ("all", &all),
                ("read", &read),
                ("minimal_all", &all),
                ("minimal_read", &read),
            ] {
                let mut list = vec![LOGIN.to_string()];
                push_unique(&mut list, actions.iter().cloned());
                map.insert(format!("feature_{}.{name}", feature.id), list);
            }
        }
        if let Some(reserved) = feature.reserved {
            let mut list = Vec::new();
            app_actions(feature, &mut list);
            map.insert(format!("reserved_{reserved}"), list);
        }
    }
    let with_login = |extra: &[&str], rest: &[String]| {
        let mut list = vec![LOGIN.to_string()];
        push_unique(&mut list, extra.iter().map(|s| s.to_string()));
        push_unique(&mut list, rest.iter().cloned());
        list
    };
    map.insert(
        "all".to_string(),
        with_login(
            &[
                "api:read_decryptedTelemetry",
                "api:read_features",
                "api:manage_taskManager",
                "api:manage_spaces",
                SPACE_MANAGE,
                "ui:spaces/manage",
                "ui:management/kibana/spaces",
                "ui:catalogue/spaces",
                "ui:globalSettings/save",
                "ui:globalSettings/show",
            ],
            &all_actions,
        ),
    );
    map.insert(
        "read".to_string(),
        with_login(
            &["api:read_decryptedTelemetry", "ui:globalSettings/show"],
            &read_actions,
        ),
    );
    map.insert("space_all".to_string(), with_login(&[], &all_actions));
    map.insert("space_read".to_string(), with_login(&[], &read_actions));
    map
}

/// `PUT /_security/privilege`'s body for [`privileges`].
pub(crate) fn registration_body(wanted: &BTreeMap<String, Vec<String>>) -> Value {
    let mut app = Map::new();
    for (name, actions) in wanted {
        app.insert(
            name.clone(),
            json!({"application": APPLICATION, "name": name, "actions": actions, "metadata": {}}),
        );
    }
    json!({ APPLICATION: app })
}

/// What the node's `GET /_security/privilege/kibana-.kibana` answer lacks: whether a write
/// is needed (a missing name or different actions, order ignored) and the obsolete names.
pub(crate) fn difference(
    existing: &Value,
    wanted: &BTreeMap<String, Vec<String>>,
) -> (bool, Vec<String>) {
    let held = existing[APPLICATION].as_object();
    let mut changed = false;
    for (name, actions) in wanted {
        let have: Option<BTreeSet<&str>> = held
            .and_then(|m| m.get(name))
            .and_then(|p| p["actions"].as_array())
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let want: BTreeSet<&str> = actions.iter().map(String::as_str).collect();
        if have.as_ref() != Some(&want) {
            changed = true;
        }
    }
    let obsolete: Vec<String> = held
        .map(|m| {
            m.keys()
                .filter(|k| !wanted.contains_key(*k))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    (changed || !obsolete.is_empty(), obsolete)
}

/// Registers the privileges as the console's own user; writes only when they differ.
pub(crate) async fn register(node: &NodeClient, authorization: &Secret) -> Result<(), String> {
    let wanted = privileges();
    let path = format!("/_security/privilege/{APPLICATION}");
    let existing = node
        .request(Method::GET, &path, Some(authorization), None)
        .await
        .map_err(|e| e.to_string())?;
    if !existing.ok() && existing.status != 404 {
        return Err(format!(
            "cannot read the application privileges of [{APPLICATION}]: {}",
            existing.reason()
        ));
    }
    let (changed, obsolete) = difference(&existing.body, &wanted);
    if !changed {
        tracing::info!("Kibana Privileges already registered with Elasticsearch for {APPLICATION}");
        return Ok(());
    }
    tracing::info!("Registering Kibana Privileges with Elasticsearch for {APPLICATION}");
    if !obsolete.is_empty() {
        let names: Vec<String> = obsolete.iter().map(|n| encode_segment(n)).collect();
        let delete = format!("{path}/{}", names.join(","));
        let answer = node
            .request(Method::DELETE, &delete, Some(authorization), None)
            .await
            .map_err(|e| e.to_string())?;
        if !answer.ok() {
            return Err(format!(
                "cannot delete the obsolete privileges {obsolete:?}: {}",
                answer.reason()
            ));
        }
    }
    let answer = node
        .request(
            Method::PUT,
            "/_security/privilege",
            Some(authorization),
            Some(&registration_body(&wanted)),
        )
        .await
        .map_err(|e| e.to_string())?;
    if !answer.ok() {
        return Err(format!(
            "cannot register the application privileges of [{APPLICATION}]: {}",
            answer.reason()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_privilege_set_has_kibanas_names_and_actions() {
        let p = privileges();
        let names: Vec<&str> = p.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "all",
                "feature_dashboard_v2.all",
                "feature_dashboard_v2.minimal_all",
                "feature_dashboard_v2.minimal_read",
                "feature_dashboard_v2.read",
                "feature_discover_v2.all",
                "feature_discover_v2.minimal_all",
                "feature_discover_v2.minimal_read",
                "feature_discover_v2.read",
                "read",
                "reserved_monitoring",
                "space_all",
                "space_read",
            ]
        );
        let has = |name: &str, action: &str| p[name].iter().any(|a| a == action);
        for name in [
            "all",
            "read",
            "space_all",
            "space_read",
            "feature_discover_v2.read",
        ] {
            assert_eq!(p[name][0], LOGIN, "{name} starts with login:");
        }
        assert!(has("all", SPACE_MANAGE) && has("all", "ui:spaces/manage"));
        assert!(!has("space_all", SPACE_MANAGE) && !has("read", SPACE_MANAGE));
        assert!(has("feature_discover_v2.read", "app:discover"));
        assert!(has("feature_discover_v2.read", "ui:navLinks/discover"));
        assert!(has("feature_discover_v2.read", "saved_object:search/get"));
        assert!(!has(
            "feature_discover_v2.read",
            "saved_object:search/create"
        ));
        assert!(has("feature_discover_v2.all", "saved_object:search/create"));
        assert!(has("feature_discover_v2.all", "ui:discover_v2/save"));
        assert!(
            has("space_read", "app:dashboards") && !has("space_read", "ui:dashboard_v2/createNew")
        );
        assert!(has("space_all", "ui:dashboard_v2/createNew"));
        // The reserved monitoring privilege opens the app but is not a login (as Kibana).
        assert!(has("reserved_monitoring", "app:monitoring"));
        assert!(!has("reserved_monitoring", LOGIN));
        for actions in p.values() {
            let unique: BTreeSet<&String> = actions.iter().collect();
            assert_eq!(unique.len(), actions.len(), "no duplicate action");
            assert!(
                actions.iter().all(|a| a.contains(':')),
                "every action has a ':'"
            );
        }
    }

    #[test]
    fn registration_writes_only_what_differs() {
        let wanted = privileges();
        let body = registration_body(&wanted);
        // The node answers GET with the same map (application, name, actions, metadata).
        let (changed, obsolete) = difference(&body, &wanted);
        assert!(!changed && obsolete.is_empty());
        let mut reordered = body.clone();
        if let Some(actions) = reordered[APPLICATION]["all"]["actions"].as_array_mut() {
            actions.reverse();
        }
        assert_eq!(difference(&reordered, &wanted), (false, vec![]));
        let mut stale = body.clone();
        stale[APPLICATION]["read"]["actions"] = json!(["login:"]);
        stale[APPLICATION]["feature_old.all"] = json!({"actions": ["login:"]});
        assert_eq!(
            difference(&stale, &wanted),
            (true, vec!["feature_old.all".to_string()])
        );
        assert_eq!(difference(&json!({}), &wanted), (true, vec![]));
        assert_eq!(body[APPLICATION]["space_read"]["application"], APPLICATION);
    }

    #[test]
    fn apps_belong_to_features() {
        assert_eq!(
            feature_of_app("discover").map(|f| f.id),
            Some("discover_v2")
        );
        assert_eq!(
            feature_of_app("monitoring").map(|f| f.id),
            Some("monitoring")
        );
        assert!(feature_of_app("kibana").is_none());
        assert!(feature("monitoring").is_some_and(|f| !f.grantable()));
    }
}
