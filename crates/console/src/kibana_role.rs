//! Kibana's public role shape (`elasticsearch: {cluster, indices, run_as}`, `kibana: [{base,
//! feature, spaces}]`) and its translation to and from the node's role descriptors, as
//! Kibana does it: `spaces: ["*"]` is resource `*` with `all`/`read`; other spaces are
//! `space:<id>` with `space_all`/`space_read`; features are `feature_<id>.<privilege>`;
//! foreign applications are kept; what cannot be translated is a `_transform_error`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::kibana::{self, APPLICATION};
use crate::spaces::valid_space_id;

/// Kibana's base privileges: every feature at once (`all`/`read` on `*`, `space_all`/
/// `space_read` on spaces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BasePrivilege {
    All,
    Read,
}

impl BasePrivilege {
    /// The name in Kibana's role API (`all`, `read`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            BasePrivilege::All => "all",
            BasePrivilege::Read => "read",
        }
    }

    /// From the role API's name.
    pub(crate) fn parse(name: &str) -> Option<BasePrivilege> {
        match name {
            "all" => Some(BasePrivilege::All),
            "read" => Some(BasePrivilege::Read),
            _ => None,
        }
    }

    /// The registered privilege: `all` globally, `space_all` per space.
    fn registered(self, global: bool) -> String {
        if global {
            self.name().to_string()
        } else {
            format!("space_{}", self.name())
        }
    }
}

/// One `kibana` entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct KibanaPrivilege {
    pub(crate) base: Vec<BasePrivilege>,
    pub(crate) feature: BTreeMap<String, Vec<String>>,
    /// `["*"]` or space ids.
    pub(crate) spaces: Vec<String>,
    /// `reserved_<id>` privileges, shown as `_reserved` (only on `*`).
    pub(crate) reserved: Vec<String>,
}

impl KibanaPrivilege {
    fn global(&self) -> bool {
        self.spaces.iter().any(|s| s == "*")
    }

    /// Kibana's JSON.
    pub(crate) fn to_json(&self) -> Value {
        let base: Vec<&str> = self.base.iter().map(|b| b.name()).collect();
        let mut out = json!({"base": base, "feature": self.feature, "spaces": self.spaces});
        if !self.reserved.is_empty() {
            out["_reserved"] = json!(self.reserved);
        }
        out
    }
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

/// The `kibana` entries of a node role; `Err` when an entry cannot be expressed (Kibana's
/// `_transform_error: ["kibana"]`).
pub(crate) fn from_applications(applications: &Value) -> Result<Vec<KibanaPrivilege>, ()> {
    let mut out = Vec::new();
    for entry in applications.as_array().into_iter().flatten() {
        if entry["application"].as_str() != Some(APPLICATION) {
            continue;
        }
        let resources = strings(&entry["resources"]);
        let privileges = strings(&entry["privileges"]);
        let global = resources == ["*"];
        let spaces: Vec<String> = if global {
            vec!["*".to_string()]
        } else {
            let ids: Option<Vec<String>> = resources
                .iter()
                .map(|r| r.strip_prefix("space:").map(str::to_string))
                .collect();
            match ids {
                Some(ids) if !ids.is_empty() => ids,
                _ => return Err(()),
            }
        };
        let mut p = KibanaPrivilege {
            spaces,
            ..KibanaPrivilege::default()
        };
        for name in privileges {
            if let Some((feature, privilege)) = name
                .strip_prefix("feature_")
                .and_then(|f| f.split_once('.'))
            {
                p.feature
                    .entry(feature.to_string())
                    .or_default()
                    .push(privilege.to_string());
            } else if let Some(reserved) = name.strip_prefix("reserved_") {
                if !global {
                    return Err(());
                }
                p.reserved.push(reserved.to_string());
            } else {
                let base = if global {
                    BasePrivilege::parse(&name)
                } else {
                    name.strip_prefix("space_").and_then(BasePrivilege::parse)
                };
                p.base.push(base.ok_or(())?);
            }
        }
        out.push(p);
    }
    Ok(out)
}

/// Validates Kibana's `kibana` array (the PUT body) with Kibana's messages.
pub(crate) fn parse_kibana(value: &Value) -> Result<Vec<KibanaPrivilege>, String> {
    let Some(entries) = value.as_array() else {
        return Err(
            "[request body.kibana]: expected value of type [array] but got [Object]".to_string(),
        );
    };
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = |k: &str| format!("[request body.kibana.{i}.{k}]");
        let spaces = match entry.get("spaces") {
            None => vec!["*".to_string()],
            Some(Value::Array(list)) => {
                let names = strings(&Value::Array(list.clone()));
                if names.len() != list.len() || names.is_empty() {
                    return Err(format!(
                        "{}: expected a non-empty array of strings",
                        at("spaces")
                    ));
                }
                names
            }
            Some(_) => return Err(format!("{}: expected value of type [array]", at("spaces"))),
        };
        let global = spaces == ["*"];
        if !global && let Some(bad) = spaces.iter().find(|s| !valid_space_id(s)) {
            return Err(format!(
                "{}: [{bad}] must be lower case, a-z, 0-9, '_', and '-' are allowed, or be [*] alone",
                at("spaces")
            ));
        }
        for s in &spaces {
            *seen.entry(s.clone()).or_default() += 1;
        }
        let mut base = Vec::new();
        for name in strings(&entry["base"]) {
            match BasePrivilege::parse(&name) {
                Some(b) => base.push(b),
                None => {
                    return Err(format!(
                        "{}: [{name}] is not a base privilege: use [all] or [read]",
                        at("base")
                    ));
                }
            }
        }
        let mut feature = BTreeMap::new();
        if let Some(map) = entry["feature"].as_object() {
            for (id, privileges) in map {
                let names = strings(privileges);
                let Some(definition) = kibana::feature(id).filter(|f| f.grantable()) else {
                    return Err(format!("{}: feature [{id}] does not exist", at("feature")));
                };
                let known = ["all", "read", "minimal_all", "minimal_read"];
                if let Some(bad) = names.iter().find(|n| !known.contains(&n.as_str())) {
                    return Err(format!(
                        "{}: [{bad}] is not a privilege of feature [{}]",
                        at("feature"),
                        definition.id
                    ));
                }
                if !names.is_empty() {
                    feature.insert(id.clone(), names);
                }
            }
        }
        if !base.is_empty() && !feature.is_empty() {
            return Err(format!(
                "[request body.kibana.{i}]: a privilege entry has either base or feature privileges, not both"
            ));
        }
        out.push(KibanaPrivilege {
            base,
            feature,
            spaces,
            reserved: Vec::new(),
        });
    }
    let repeated: Vec<String> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(s, _)| s)
        .collect();
    if !repeated.is_empty() {
        return Err(format!(
            "[request body.kibana]: more than one privilege is applied to the following spaces: [{}]",
            repeated.join(", ")
        ));
    }
    Ok(out)
}

/// The node's `applications` entries for Kibana entries.
pub(crate) fn to_applications(privileges: &[KibanaPrivilege]) -> Vec<Value> {
    privileges
        .iter()
        .filter(|p| !p.base.is_empty() || !p.feature.is_empty() || !p.reserved.is_empty())
        .map(|p| {
            let global = p.global();
            let mut names: Vec<String> = p.base.iter().map(|b| b.registered(global)).collect();
            for (id, privileges) in &p.feature {
                names.extend(privileges.iter().map(|n| format!("feature_{id}.{n}")));
            }
            names.extend(p.reserved.iter().map(|r| format!("reserved_{r}")));
            let resources: Vec<String> = if global {
                vec!["*".to_string()]
            } else {
                p.spaces.iter().map(|s| format!("space:{s}")).collect()
            };
            json!({"application": APPLICATION, "privileges": names, "resources": resources})
        })
        .collect()
}

/// The applications of `existing` that are not Kibana's (kept on every write).
pub(crate) fn foreign_applications(existing: &Value) -> Vec<Value> {
    existing["applications"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["application"].as_str() != Some(APPLICATION))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Kibana's public role shape from the node's role.
pub(crate) fn to_kibana_role(name: &str, role: &Value) -> Value {
    let mut out = json!({
        "name": name,
        "metadata": role.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "transient_metadata": role.get("transient_metadata").cloned().unwrap_or_else(|| json!({"enabled": true})),
        "elasticsearch": {
            "cluster": role.get("cluster").cloned().unwrap_or_else(|| json!([])),
            "indices": role.get("indices").cloned().unwrap_or_else(|| json!([])),
            "run_as": role.get("run_as").cloned().unwrap_or_else(|| json!([])),
        },
        "kibana": [],
        "_transform_error": [],
        "_unrecognized_applications": [],
    });
    match from_applications(&role["applications"]) {
        Ok(kibana) => {
            out["kibana"] = Value::Array(kibana.iter().map(KibanaPrivilege::to_json).collect());
        }
        Err(()) => out["_transform_error"] = json!(["kibana"]),
    }
    let mut foreign: Vec<String> = foreign_applications(role)
        .iter()
        .filter_map(|a| a["application"].as_str().map(str::to_string))
        .collect();
    foreign.dedup();
    out["_unrecognized_applications"] = json!(foreign);
    if let Some(d) = role.get("description") {
        out["description"] = d.clone();
    }
    if let Some(remote) = role.get("remote_indices") {
        out["elasticsearch"]["remote_indices"] = remote.clone();
    }
    out
}

/// The node's role for Kibana's PUT body, keeping the foreign applications of `existing`.
pub(crate) fn from_kibana_role(request: &Value, existing: &Value) -> Result<Value, String> {
    let es = match request.get("elasticsearch") {
        Some(v) if v.is_object() => v,
        None => &Value::Object(Map::new()),
        Some(_) => {
            return Err(
                "[request body.elasticsearch]: expected value of type [object]".to_string(),
            );
        }
    };
    let kibana = match request.get("kibana") {
        None => Vec::new(),
        Some(v) => parse_kibana(v)?,
    };
    let mut applications = to_applications(&kibana);
    applications.extend(foreign_applications(existing));
    let mut role = json!({
        "cluster": es.get("cluster").cloned().unwrap_or_else(|| json!([])),
        "indices": es.get("indices").cloned().unwrap_or_else(|| json!([])),
        "run_as": es.get("run_as").cloned().unwrap_or_else(|| json!([])),
        "applications": applications,
    });
    for key in ["metadata", "description"] {
        if let Some(v) = request.get(key) {
            role[key] = v.clone();
        }
    }
    if let Some(remote) = es.get("remote_indices") {
        role["remote_indices"] = remote.clone();
    }
    Ok(role)
}

/// Kibana privilege rows of the role editor (`kibana_spaces`, `kibana_base` and one
/// `kibana_feature.<id>` per grantable feature, repeated per row in order).
pub(crate) fn from_form_rows(
    spaces: &[&str],
    bases: &[&str],
    features: &[(&str, Vec<&str>)],
) -> Result<Vec<KibanaPrivilege>, String> {
    let mut entries = Vec::new();
    for (i, spaces) in spaces.iter().enumerate() {
        let ids: Vec<String> = spaces
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let base = bases.get(i).copied().unwrap_or("none");
        let mut feature = serde_json::Map::new();
        if base == "custom" {
            for (id, values) in features {
                match values.get(i).copied().unwrap_or("none") {
                    "none" | "" => {}
                    p => {
                        feature.insert(id.to_string(), json!([p]));
                    }
                }
            }
        }
        let base: Vec<&str> = match base {
            "all" | "read" => vec![base],
            _ => vec![],
        };
        if ids.is_empty() {
            if base.is_empty() && feature.is_empty() {
                continue;
            }
            return Err(format!(
                "Kibana privilege {}: choose the spaces (* for all spaces).",
                i + 1
            ));
        }
        entries.push(json!({"spaces": ids, "base": base, "feature": feature}));
    }
    parse_kibana(&Value::Array(entries)).map_err(|m| {
        m.replace("[request body.kibana]: ", "")
            .replace("[request body.kibana.", "Kibana privilege entry [")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kibana_entries_translate_both_ways_as_kibana_does() {
        let request = json!({
            "elasticsearch": {"cluster": ["monitor"], "indices": [], "run_as": []},
            "kibana": [
                {"base": ["read"], "feature": {}, "spaces": ["*"]},
                {"base": ["all"], "feature": {}, "spaces": ["marketing", "sales"]},
                {"base": [], "feature": {"discover_v2": ["read"], "dashboard_v2": ["all"]}, "spaces": ["ops"]}
            ]
        });
        let existing = json!({"applications": [
            {"application": "other-app", "privileges": ["x"], "resources": ["*"]},
            {"application": APPLICATION, "privileges": ["all"], "resources": ["*"]}
        ]});
        let role = from_kibana_role(&request, &existing).unwrap();
        assert_eq!(
            role["applications"],
            json!([
                {"application": APPLICATION, "privileges": ["read"], "resources": ["*"]},
                {"application": APPLICATION, "privileges": ["space_all"], "resources": ["space:marketing", "space:sales"]},
                {"application": APPLICATION, "privileges": ["feature_dashboard_v2.all", "feature_discover_v2.read"], "resources": ["space:ops"]},
                {"application": "other-app", "privileges": ["x"], "resources": ["*"]}
            ])
        );
        let back = to_kibana_role("r", &role);
        assert_eq!(
            back["kibana"][0],
            json!({"base": ["read"], "feature": {}, "spaces": ["*"]})
        );
        assert_eq!(
            back["kibana"][1],
            json!({"base": ["all"], "feature": {}, "spaces": ["marketing", "sales"]})
        );
        assert_eq!(back["kibana"][2]["feature"]["discover_v2"], json!(["read"]));
        assert_eq!(back["_unrecognized_applications"], json!(["other-app"]));
        assert_eq!(back["_transform_error"], json!([]));
        assert_eq!(back["elasticsearch"]["cluster"], json!(["monitor"]));
    }

    #[test]
    fn reserved_and_untranslatable_entries() {
        let monitoring = json!([{"application": APPLICATION, "privileges": ["reserved_monitoring"], "resources": ["*"]}]);
        let k = to_kibana_role("m", &json!({"applications": monitoring}));
        assert_eq!(k["kibana"][0]["_reserved"], json!(["monitoring"]));
        let bad =
            json!([{"application": APPLICATION, "privileges": ["space_all"], "resources": ["*"]}]);
        assert_eq!(
            to_kibana_role("b", &json!({"applications": bad}))["_transform_error"],
            json!(["kibana"])
        );
        let mixed = json!([{"application": APPLICATION, "privileges": ["all"], "resources": ["space:a", "x"]}]);
        assert_eq!(
            to_kibana_role("b", &json!({"applications": mixed}))["_transform_error"],
            json!(["kibana"])
        );
    }

    #[test]
    fn invalid_kibana_entries_are_refused_with_a_message() {
        for (kibana, needle) in [
            (
                json!([{"base": ["all"], "spaces": ["a"]}, {"base": ["read"], "spaces": ["a", "b"]}]),
                "more than one privilege is applied to the following spaces: [a]",
            ),
            (
                json!([{"base": ["space_all"], "spaces": ["a"]}]),
                "[space_all] is not a base privilege",
            ),
            (
                json!([{"base": ["all"], "spaces": ["Bad"]}]),
                "must be lower case",
            ),
            (
                json!([{"feature": {"nope": ["all"]}, "spaces": ["a"]}]),
                "feature [nope] does not exist",
            ),
            (
                json!([{"feature": {"monitoring": ["all"]}, "spaces": ["a"]}]),
                "feature [monitoring] does not exist",
            ),
            (
                json!([{"base": ["all"], "feature": {"discover_v2": ["all"]}, "spaces": ["a"]}]),
                "not both",
            ),
            (json!({}), "expected value of type [array]"),
        ] {
            let e = parse_kibana(&kibana).unwrap_err();
            assert!(e.contains(needle), "{kibana}: {e}");
        }
    }

    #[test]
    fn editor_rows_become_entries() {
        let rows = from_form_rows(
            &["marketing", "*", ""],
            &["read", "custom", "none"],
            &[
                ("discover_v2", vec!["none", "all", "none"]),
                ("dashboard_v2", vec!["all", "none", "none"]),
            ],
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].base, [BasePrivilege::Read]);
        assert!(rows[0].feature.is_empty(), "base wins over feature choices");
        assert_eq!(rows[1].feature["discover_v2"], ["all"]);
        assert!(
            from_form_rows(&[""], &["all"], &[])
                .unwrap_err()
                .contains("choose the spaces")
        );
    }
}
