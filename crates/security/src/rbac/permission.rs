//! The authorization engine: roles compiled from descriptors (merged as Elasticsearch merges a
//! user's roles), the cluster, index, application and run-as checks, wildcard expansion to
//! authorized indices, bulk items, the exact 403 message, and `_has_privileges`.

use std::collections::BTreeSet;
use std::fmt;

use ironstack_types::{ErrorCode, EsErrorType, action};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::automaton::{Automaton, PatternSet};
use super::descriptor::{
    FieldSecurity, IndicesPrivileges, RemoteClusterPrivileges, RoleDescriptor,
    is_application_action,
};
use super::error::RoleError;
use super::index_access::IndexAccess;
use super::index_pattern::{IndexMatcher, is_restricted, request_is_empty};
use super::privilege::{
    ClusterPrivilege, ClusterPrivilegeName, IndexPrivilege, IndexPrivilegeName, IndexPrivilegeSet,
    is_cluster_action,
};

/// `_bulk`, checked by name only (the role must hold it on some index).
pub const BULK_ACTION: &str = action::BULK.0;
/// The per-shard bulk action, checked on each concrete index.
pub const BULK_SHARD_ACTION: &str = action::BULK_SHARD.0;
/// Single-document index, checked by name only.
pub const INDEX_ACTION: &str = action::INDEX.0;
/// Creating a missing index or data stream while writing.
pub const AUTO_CREATE_ACTION: &str = action::AUTO_CREATE_INDEX.0;

/// Dynamic mapping updates during writes.
pub const AUTO_PUT_MAPPING_ACTION: &str = action::AUTO_PUT_MAPPING.0;

/// The answer for a dynamic mapping update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingUpdate {
    /// Granted by a privilege that covers it.
    Granted,
    /// Granted only by the backward-compatibility rule; the text is the `Warning` header.
    GrantedDeprecated(String),
    /// Not granted.
    Denied,
}

/// One index group of a compiled role: every group of the user's roles with the same index
/// names (and restricted flag) merged, as Elasticsearch's `CompositeRolesStore` merges them.
#[derive(Debug, Clone)]
pub struct IndexGroup {
    /// The name patterns as written (by the first group merged).
    pub names: Vec<String>,
    /// The privileges (union).
    pub privileges: IndexPrivilegeSet,
    /// The field-level security of each group merged (a group without `field_security`
    /// contributes a grant of everything); distinct entries.
    pub field_security: Vec<FieldSecurity>,
    /// The document-level security queries (union); `None` when a group merged had none,
    /// since that group sees every document.
    pub queries: Option<Vec<String>>,
    /// Whether restricted indices are reachable.
    pub allow_restricted_indices: bool,
    matcher: IndexMatcher,
}

/// A `remote_indices` group of a compiled role: merged like [`IndexGroup`] per set of
/// clusters, kept to be reported; it grants nothing on this node.
#[derive(Debug, Clone)]
pub struct RemoteIndexGroup {
    /// The remote cluster alias patterns.
    pub clusters: Vec<String>,
    /// The index names.
    pub names: Vec<String>,
    /// The privileges (union).
    pub privileges: IndexPrivilegeSet,
    /// As [`IndexGroup::field_security`].
    pub field_security: Vec<FieldSecurity>,
    /// As [`IndexGroup::queries`].
    pub queries: Option<Vec<String>>,
    /// Whether restricted indices are reachable.
    pub allow_restricted_indices: bool,
}

/// Index groups being merged: keyed by (clusters, index names, restricted flag), each
/// key's privileges, field security and queries combined.
#[derive(Debug, Default)]
struct GroupMerger {
    groups: Vec<MergedGroup>,
}

#[derive(Debug)]
struct MergedGroup {
    key: (Vec<String>, Vec<String>, bool),
    names: Vec<String>,
    privileges: IndexPrivilegeSet,
    field_security: Vec<FieldSecurity>,
    queries: Option<Vec<String>>,
}

impl GroupMerger {
    fn add(&mut self, clusters: &[String], g: &IndicesPrivileges) -> Result<(), RoleError> {
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v.dedup();
            v
        };
        let key = (
            sorted(clusters),
            sorted(&g.names),
            g.allow_restricted_indices,
        );
        let privileges = IndexPrivilegeSet::resolve(&g.privileges)?;
        let fls = g.field_security.clone().unwrap_or_default();
        match self.groups.iter_mut().find(|m| m.key == key) {
            Some(m) => {
                m.privileges.add_all(&privileges);
                if !m.field_security.contains(&fls) {
                    m.field_security.push(fls);
                }
                m.queries = match (m.queries.take(), &g.query) {
                    (Some(mut qs), Some(q)) => {
                        if !qs.contains(q) {
                            qs.push(q.clone());
                        }
                        Some(qs)
                    }
                    _ => None,
                };
            }
            None => self.groups.push(MergedGroup {
                key,
                names: g.names.clone(),
                privileges,
                field_security: vec![fls],
                queries: g.query.clone().map(|q| vec![q]),
            }),
        }
        Ok(())
    }

    /// The merged groups, unrestricted ones first, as Elasticsearch adds them to the role.
    fn finish(self) -> impl Iterator<Item = MergedGroup> {
        let (open, restricted): (Vec<_>, Vec<_>) = self.groups.into_iter().partition(|g| !g.key.2);
        open.into_iter().chain(restricted)
    }
}

/// Elasticsearch skips a role's index groups when the role's only group is an explicit
/// denial (`"privileges": ["none"]`), as it always has when merging.
fn is_explicit_denial(groups: &[IndicesPrivileges]) -> bool {
    matches!(groups, [g] if g.privileges.first().is_some_and(|p| p.eq_ignore_ascii_case("none")))
}

/// Whether some field-security entry permits every field (no field-level security at all).
fn permits_every_field(groups: &[FieldSecurity]) -> bool {
    groups
        .iter()
        .any(|f| f.except.is_empty() && f.grant.as_ref().is_none_or(|g| g.iter().any(|p| p == "*")))
}

/// `GetUserPrivilegesResponse.Indices`: sorted names and privileges, every field-security
/// entry (sorted) when fields are restricted, the queries, the restricted flag.
fn user_privileges_group(
    names: &[String],
    privileges: &IndexPrivilegeSet,
    field_security: &[FieldSecurity],
    queries: Option<&Vec<String>>,
    allow_restricted_indices: bool,
) -> Map<String, Value> {
    let mut o = Map::new();
    let names: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    o.insert("names".into(), serde_json::json!(names));
    let privileges: BTreeSet<&str> = privileges
        .names
        .iter()
        .map(IndexPrivilegeName::name)
        .collect();
    o.insert("privileges".into(), serde_json::json!(privileges));
    let restricts = !permits_every_field(field_security)
        && field_security
            .iter()
            .any(|f| f.grant.as_ref().is_some_and(|g| !g.is_empty()) || !f.except.is_empty());
    if restricts {
        let mut entries: Vec<&FieldSecurity> = field_security.iter().collect();
        entries.sort_by(|a, b| (&a.grant, &a.except).cmp(&(&b.grant, &b.except)));
        let entries: Vec<Value> = entries
            .into_iter()
            .map(|fls| {
                let mut f = Map::new();
                if let Some(grant) = fls.grant.as_ref().filter(|g| !g.is_empty()) {
                    f.insert("grant".into(), serde_json::json!(grant));
                }
                if !fls.except.is_empty() {
                    f.insert("except".into(), serde_json::json!(fls.except));
                }
                Value::Object(f)
            })
            .collect();
        o.insert("field_security".into(), Value::Array(entries));
    }
    if let Some(qs) = queries.filter(|q| !q.is_empty()) {
        o.insert("query".into(), serde_json::json!(qs));
    }
    o.insert(
        "allow_restricted_indices".into(),
        Value::Bool(allow_restricted_indices),
    );
    o
}

impl IndexGroup {
    /// Whether this group grants `action` on `index`.
    pub fn grants(&self, action: &str, index: &str) -> bool {
        self.privileges.grants(action) && self.matcher.matches(index)
    }
}

#[derive(Debug, Clone)]
struct ApplicationGroup {
    name: String,
    resource_names: Vec<String>,
    application: PatternSet,
    privileges: Vec<String>,
    resources: Automaton,
}

/// A stored application privilege (`PUT /_security/privilege`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationPrivilegeDescriptor {
    /// Application name.
    pub application: String,
    /// Privilege name.
    pub name: String,
    /// Action patterns it grants.
    pub actions: Vec<String>,
    /// Free metadata.
    pub metadata: Map<String, Value>,
}

/// The permissions of a user: all their roles merged.
#[derive(Debug, Clone, Default)]
pub struct Role {
    names: Vec<String>,
    cluster: Vec<ClusterPrivilegeName>,
    cluster_automaton: Automaton,
    own_api_keys: bool,
    groups: Vec<IndexGroup>,
    remote_groups: Vec<RemoteIndexGroup>,
    remote_cluster: Vec<RemoteClusterPrivileges>,
    applications: Vec<ApplicationGroup>,
    run_as: PatternSet,
    run_as_names: Vec<String>,
    global: Vec<Value>,
}

/// The checks the authorization functions need; implemented by a user's [`Role`] and by an
/// API key's [`LimitedRole`] (its own descriptors intersected with its owner's).
pub trait Permission {
    /// Whether the cluster action is granted.
    fn check_cluster(&self, action: &str, context: ClusterContext) -> bool;
    /// Whether `action` is granted on `index`.
    fn check_index(&self, action: &str, index: &str) -> bool;
    /// Whether some index group grants `action` at all.
    fn check_index_action_name(&self, action: &str) -> bool;
    /// What `action` may read of the index called `names[0]`, reached through any of `names`
    /// (the index and its data stream): document- and field-level security.
    fn index_access(&self, action: &str, names: &[&str]) -> IndexAccess;
    /// Whether a write to `index` (a backing index of `data_stream`, if given) may add
    /// fields to its mapping (`indices:admin/mapping/auto_put`).
    fn check_auto_put_mapping(&self, index: &str, data_stream: Option<&str>) -> MappingUpdate;
}

impl Permission for Role {
    fn check_cluster(&self, action: &str, context: ClusterContext) -> bool {
        Role::check_cluster(self, action, context)
    }
    fn check_index(&self, action: &str, index: &str) -> bool {
        Role::check_index(self, action, index)
    }
    fn check_index_action_name(&self, action: &str) -> bool {
        Role::check_index_action_name(self, action)
    }
    fn index_access(&self, action: &str, names: &[&str]) -> IndexAccess {
        IndexAccess::from_groups(
            self.groups
                .iter()
                .filter(|g| {
                    g.privileges.grants(action) && names.iter().any(|n| g.matcher.matches(n))
                })
                .map(|g| (&g.queries, g.field_security.as_slice())),
        )
    }
    fn check_auto_put_mapping(&self, index: &str, data_stream: Option<&str>) -> MappingUpdate {
        Role::check_auto_put_mapping(self, index, data_stream)
    }
}

/// An API key's permission: what its role descriptors grant AND what its owner's roles
/// (snapshotted as `limited_by`) grant. Empty key descriptors mean "the owner's permissions".
#[derive(Debug, Clone)]
pub struct LimitedRole {
    /// The key's own role descriptors, compiled; `None` when it has none.
    pub assigned: Option<Role>,
    /// The owner's roles at creation time.
    pub limited_by: Role,
}

impl Permission for LimitedRole {
    fn check_cluster(&self, action: &str, context: ClusterContext) -> bool {
        self.limited_by.check_cluster(action, context)
            && self
                .assigned
                .as_ref()
                .is_none_or(|r| r.check_cluster(action, context))
    }
    fn check_index(&self, action: &str, index: &str) -> bool {
        self.limited_by.check_index(action, index)
            && self
                .assigned
                .as_ref()
                .is_none_or(|r| r.check_index(action, index))
    }
    fn check_index_action_name(&self, action: &str) -> bool {
        self.limited_by.check_index_action_name(action)
            && self
                .assigned
                .as_ref()
                .is_none_or(|r| r.check_index_action_name(action))
    }
    fn index_access(&self, action: &str, names: &[&str]) -> IndexAccess {
        let owner = self.limited_by.index_access(action, names);
        match &self.assigned {
            Some(own) => own.index_access(action, names).and(owner),
            None => owner,
        }
    }
    fn check_auto_put_mapping(&self, index: &str, data_stream: Option<&str>) -> MappingUpdate {
        let owner = self.limited_by.check_auto_put_mapping(index, data_stream);
        let Some(own) = &self.assigned else {
            return owner;
        };
        // Both must grant; the deprecation warning of either one is the request's.
        match (own.check_auto_put_mapping(index, data_stream), owner) {
            (MappingUpdate::Denied, _) | (_, MappingUpdate::Denied) => MappingUpdate::Denied,
            (MappingUpdate::GrantedDeprecated(w), _) | (_, MappingUpdate::GrantedDeprecated(w)) => {
                MappingUpdate::GrantedDeprecated(w)
            }
            (MappingUpdate::Granted, MappingUpdate::Granted) => MappingUpdate::Granted,
        }
    }
}

/// What a cluster request is about, for conditional privileges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClusterContext {
    /// The request only creates API keys or touches keys owned by the caller
    /// (`manage_own_api_key` grants it).
    pub own_api_keys_only: bool,
}

impl Role {
    /// Whether the role's `global.application.manage` privilege (Elasticsearch's configurable
    /// cluster privilege `ManageApplicationPrivileges`, which `kibana_system` holds for
    /// `kibana-*`) covers a privilege-API request on `applications`: every one must match a
    /// listed pattern, and a request naming no application (all of them) needs `*`.
    pub fn manages_applications(&self, applications: &[String]) -> bool {
        let patterns: Vec<&str> = self
            .global
            .iter()
            .filter_map(|g| g.pointer("/application/manage/applications"))
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if patterns.is_empty() {
            return false;
        }
        if applications.is_empty() {
            return patterns.contains(&"*");
        }
        let set = PatternSet::new(patterns);
        applications.iter().all(|a| set.matches(a))
    }

    /// Compiles and merges `descriptors` as Elasticsearch's `CompositeRolesStore` does: index
    /// groups with the same set of names and restricted flag become one (privileges and field
    /// security unioned, queries unioned unless one group has none), unrestricted groups
    /// first; a role whose only index group is `["none"]` adds none; `remote_indices` merge
    /// the same way per set of clusters.
    pub fn build(descriptors: &[RoleDescriptor]) -> Result<Self, RoleError> {
        let mut role = Self::default();
        let (mut local, mut remote) = (GroupMerger::default(), GroupMerger::default());
        for d in descriptors {
            role.names.push(d.name.clone());
            for c in &d.cluster {
                let p = ClusterPrivilegeName::resolve(c)?;
                if p.is_conditional() {
                    role.own_api_keys = true;
                } else {
                    role.cluster_automaton.union_with(&p.automaton());
                }
                if !role.cluster.contains(&p) {
                    role.cluster.push(p);
                }
            }
            if !is_explicit_denial(&d.indices) {
                for g in &d.indices {
                    local.add(&[], g)?;
                }
            }
            for r in &d.remote_indices {
                remote.add(&r.clusters, &r.group)?;
            }
            role.remote_cluster.extend(d.remote_cluster.iter().cloned());
            for a in &d.applications {
                role.applications.push(ApplicationGroup {
                    name: a.application.clone(),
                    resource_names: a.resources.clone(),
                    application: PatternSet::new([a.application.as_str()]),
                    privileges: a.privileges.clone(),
                    resources: Automaton::patterns(&a.resources),
                });
            }
            role.run_as.extend(&PatternSet::new(&d.run_as));
            role.run_as_names.extend(d.run_as.iter().cloned());
            if let Some(g) = &d.global {
                role.global.push(g.clone());
            }
        }
        for m in local.finish() {
            let allow_restricted_indices = m.key.2;
            role.groups.push(IndexGroup {
                matcher: IndexMatcher::new(&m.names, allow_restricted_indices)?,
                names: m.names,
                privileges: m.privileges,
                field_security: m.field_security,
                queries: m.queries,
                allow_restricted_indices,
            });
        }
        for m in remote.finish() {
            role.remote_groups.push(RemoteIndexGroup {
                allow_restricted_indices: m.key.2,
                clusters: m.key.0,
                names: m.names,
                privileges: m.privileges,
                field_security: m.field_security,
                queries: m.queries,
            });
        }
        Ok(role)
    }

    /// The names of the merged roles.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The index groups.
    pub fn index_groups(&self) -> &[IndexGroup] {
        &self.groups
    }

    /// Whether the cluster action is granted.
    pub fn check_cluster(&self, action: &str, context: ClusterContext) -> bool {
        if self.cluster_automaton.matches(action) {
            return true;
        }
        self.own_api_keys
            && context.own_api_keys_only
            && ClusterPrivilege::ManageOwnApiKey.grants(action)
    }

    /// Whether `action` is granted on `index`.
    pub fn check_index(&self, action: &str, index: &str) -> bool {
        self.groups.iter().any(|g| g.grants(action, index))
    }

    /// Whether `action` is granted on `index`, where `index` may be a backing index of
    /// `data_stream`: privileges on the data stream's name cover its backing indices.
    pub fn check_index_in_data_stream(
        &self,
        action: &str,
        index: &str,
        data_stream: Option<&str>,
    ) -> bool {
        self.check_index(action, index)
            || data_stream.is_some_and(|ds| self.check_index(action, ds))
    }

    /// Dynamic mapping updates (`indices:admin/mapping/auto_put`) while writing to `index`.
    /// Granted by `write`, `auto_configure`, `manage`, `all`; for backward compatibility
    /// also by `create`, `create_doc` and `index` on plain indices and aliases (with
    /// Elasticsearch's deprecation warning), never on data-stream backing indices.
    pub fn check_auto_put_mapping(&self, index: &str, data_stream: Option<&str>) -> MappingUpdate {
        if self.check_index_in_data_stream(AUTO_PUT_MAPPING_ACTION, index, data_stream) {
            return MappingUpdate::Granted;
        }
        if data_stream.is_some() {
            return MappingUpdate::Denied;
        }
        const BWC: [IndexPrivilege; 4] = [
            IndexPrivilege::Create,
            IndexPrivilege::CreateDoc,
            IndexPrivilege::Index,
            IndexPrivilege::Write,
        ];
        for g in self.groups.iter().filter(|g| g.matcher.matches(index)) {
            let names: Vec<&str> = g
                .privileges
                .names
                .iter()
                .filter_map(|n| match n {
                    IndexPrivilegeName::Named(p) if BWC.contains(p) => Some(p.name()),
                    _ => None,
                })
                .collect();
            if !names.is_empty() {
                return MappingUpdate::GrantedDeprecated(format!(
                    "the index privilege [{}] allowed the update mapping action [{AUTO_PUT_MAPPING_ACTION}] on index [{index}], this privilege will not permit mapping updates in the next major release - users who require access to update mappings must be granted explicit privileges",
                    names.join(",")
                ));
            }
        }
        MappingUpdate::Denied
    }

    /// Whether some group grants `action` at all (the by-name check of top-level
    /// `indices:data/write/bulk` and `indices:data/write/index`).
    pub fn check_index_action_name(&self, action: &str) -> bool {
        self.groups.iter().any(|g| g.privileges.grants(action))
    }

    /// The names among `candidates` on which `action` is granted.
    pub fn authorized_indices<'a>(
        &self,
        action: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        candidates
            .into_iter()
            .filter(|i| self.check_index(action, i))
            .map(str::to_string)
            .collect()
    }

    /// Whether this role may run as `user`.
    pub fn check_run_as(&self, user: &str) -> bool {
        self.run_as.matches(user)
    }

    /// `GET /_security/user/_privileges`: the merged privileges in Elasticsearch's shape
    /// (`RestGetUserPrivilegesAction`): sorted cluster privileges, `global`, one `indices`
    /// entry per merged group, applications merged per application and resources, sorted
    /// `run_as`, and `remote_indices` / `remote_cluster` when the roles have any.
    pub fn user_privileges(&self) -> Value {
        let cluster: BTreeSet<&str> = self
            .cluster
            .iter()
            .map(ClusterPrivilegeName::name)
            .collect();
        let run_as: BTreeSet<&str> = self.run_as_names.iter().map(String::as_str).collect();
        let indices: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                Value::Object(user_privileges_group(
                    &g.names,
                    &g.privileges,
                    &g.field_security,
                    g.queries.as_ref(),
                    g.allow_restricted_indices,
                ))
            })
            .collect();
        // Applications merge per (application, set of resources), privileges unioned.
        let mut applications: Vec<(&str, BTreeSet<&str>, BTreeSet<&str>)> = Vec::new();
        for a in &self.applications {
            let resources: BTreeSet<&str> = a.resource_names.iter().map(String::as_str).collect();
            let privileges = a.privileges.iter().map(String::as_str);
            match applications
                .iter_mut()
                .find(|(name, r, _)| *name == a.name && *r == resources)
            {
                Some((_, _, p)) => p.extend(privileges),
                None => applications.push((&a.name, resources, privileges.collect())),
            }
        }
        let applications: Vec<Value> = applications
            .into_iter()
            .map(|(application, resources, privileges)| {
                serde_json::json!({"application": application, "privileges": privileges, "resources": resources})
            })
            .collect();
        let mut out = serde_json::json!({
            "cluster": cluster,
            "global": self.global,
            "indices": indices,
            "applications": applications,
            "run_as": run_as,
        });
        if !self.remote_groups.is_empty() {
            out["remote_indices"] = self
                .remote_groups
                .iter()
                .map(|g| {
                    let mut o = user_privileges_group(
                        &g.names,
                        &g.privileges,
                        &g.field_security,
                        g.queries.as_ref(),
                        g.allow_restricted_indices,
                    );
                    o.insert("clusters".into(), serde_json::json!(g.clusters));
                    Value::Object(o)
                })
                .collect();
        }
        if !self.remote_cluster.is_empty() {
            out["remote_cluster"] = self
                .remote_cluster
                .iter()
                .map(|r| serde_json::json!({"privileges": r.privileges, "clusters": r.clusters}))
                .collect();
        }
        out
    }

    /// Whether the cluster privilege (named or action pattern) is implied, as
    /// `_has_privileges` decides.
    pub fn implies_cluster(&self, privilege: &ClusterPrivilegeName) -> bool {
        if privilege.is_conditional() && self.own_api_keys {
            return true;
        }
        privilege.automaton().subset_of(&self.cluster_automaton)
    }

    /// Whether `privilege` on `resource` of `application` is granted, given the stored
    /// application privilege definitions.
    pub fn check_application(
        &self,
        application: &str,
        privilege: &str,
        resource: &str,
        definitions: &[ApplicationPrivilegeDescriptor],
    ) -> bool {
        let wanted = application_automaton(application, &[privilege.to_string()], definitions);
        let wanted_resource = Automaton::patterns([resource]);
        self.applications.iter().any(|g| {
            if !g.application.matches(application) || !wanted_resource.subset_of(&g.resources) {
                return false;
            }
            if wanted.is_empty() {
                // An undefined privilege: only the same name or a match-all action grants it.
                return g.privileges.iter().any(|p| p == privilege || p == "*");
            }
            wanted.subset_of(&application_automaton(
                application,
                &g.privileges,
                definitions,
            ))
        })
    }
}

fn application_automaton(
    application: &str,
    privileges: &[String],
    definitions: &[ApplicationPrivilegeDescriptor],
) -> Automaton {
    let mut a = Automaton::empty();
    for p in privileges {
        if is_application_action(p) {
            a.union_with(&Automaton::patterns([p.as_str()]));
        } else if let Some(d) = definitions
            .iter()
            .find(|d| d.application == application && &d.name == p)
        {
            a.union_with(&Automaton::patterns(&d.actions));
        }
    }
    a
}

/// Who a request runs as, for the 403 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// A user, possibly running as another.
    User {
        /// The authenticated user.
        username: String,
        /// The run-as target, when there is one.
        run_as: Option<String>,
    },
    /// An API key (roles are not listed for these).
    ApiKey {
        /// Key id.
        id: String,
        /// Owner.
        username: String,
    },
    /// A service account such as `elastic/fleet-server`.
    ServiceAccount(String),
}

/// The subject of an authorization decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Who.
    pub who: Who,
    /// Role names assigned to the user.
    pub assigned_roles: Vec<String>,
    /// The assigned roles that exist (the rest are reported as not found).
    pub found_roles: Vec<String>,
}

impl Subject {
    /// A plain user whose roles all exist.
    pub fn user(username: &str, roles: &[&str]) -> Self {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        Self {
            who: Who::User {
                username: username.into(),
                run_as: None,
            },
            assigned_roles: roles.clone(),
            found_roles: roles,
        }
    }

    fn describe(&self) -> String {
        let mut out = match &self.who {
            Who::User {
                username,
                run_as: None,
            } => format!("user [{username}]"),
            Who::User {
                username,
                run_as: Some(target),
            } => format!("user [{username}] run as [{target}]"),
            Who::ApiKey { id, username } => format!("API key id [{id}] of user [{username}]"),
            Who::ServiceAccount(name) => format!("service account [{name}]"),
        };
        if matches!(self.who, Who::User { .. }) {
            let found: BTreeSet<&str> = self.found_roles.iter().map(String::as_str).collect();
            out.push_str(&format!(
                " with effective roles [{}]",
                found.iter().copied().collect::<Vec<_>>().join(",")
            ));
            let missing: BTreeSet<&str> = self
                .assigned_roles
                .iter()
                .map(String::as_str)
                .filter(|r| !found.contains(r))
                .collect();
            if !missing.is_empty() {
                out.push_str(&format!(
                    " (assigned roles [{}] were not found)",
                    missing.into_iter().collect::<Vec<_>>().join(",")
                ));
            }
        }
        out
    }
}

/// A 403: the action is not granted. `Display` is Elasticsearch's exact reason text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Denial {
    /// The action denied.
    pub action: String,
    /// The full reason text.
    pub message: String,
    /// Indices denied (empty for cluster and by-name checks).
    pub indices: Vec<String>,
}

impl ErrorCode for Denial {
    fn es_type(&self) -> EsErrorType {
        EsErrorType::Security
    }
    fn status(&self) -> u16 {
        403
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Who::User { username, .. } | Who::ApiKey { username, .. } => f.write_str(username),
            Who::ServiceAccount(n) => f.write_str(n),
        }
    }
}

/// Builds the denial for `action` (with `indices` as the context when not empty).
pub fn denial(subject: &Subject, action: &str, indices: &[String]) -> Denial {
    let mut message = format!(
        "action [{action}] is unauthorized for {}",
        subject.describe()
    );
    if !indices.is_empty() {
        let (restricted, plain): (Vec<&String>, Vec<&String>) =
            indices.iter().partition(|i| is_restricted(i));
        let join = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
        message.push_str(&match (plain.is_empty(), restricted.is_empty()) {
            (false, true) => format!(" on indices [{}]", join(&plain)),
            (true, false) => format!(" on restricted indices [{}]", join(&restricted)),
            _ => format!(
                " on indices [{}] and restricted indices [{}]",
                join(&plain),
                join(&restricted)
            ),
        });
    }
    let (kind, granting): (&str, Vec<&str>) = if is_cluster_action(action) {
        (
            "cluster",
            ClusterPrivilege::granting(action)
                .into_iter()
                .map(ClusterPrivilege::name)
                .collect(),
        )
    } else {
        (
            "index",
            IndexPrivilege::granting(action)
                .into_iter()
                .map(IndexPrivilege::name)
                .collect(),
        )
    };
    if !granting.is_empty() {
        message.push_str(&format!(
            ", this action is granted by the {kind} privileges [{}]",
            granting.join(",")
        ));
    }
    Denial {
        action: action.to_string(),
        message,
        indices: indices.to_vec(),
    }
}

/// Authorizes `subject` (the authenticated user, before run-as) to run `action` as `target`
/// (header `es-security-runas-user`).
pub fn authorize_run_as(
    subject: &Subject,
    role: &Role,
    action: &str,
    target: &str,
) -> Result<(), Denial> {
    if role.check_run_as(target) {
        return Ok(());
    }
    let user = subject.who.to_string();
    Err(Denial {
        action: action.to_string(),
        message: format!(
            "action [{action}] is unauthorized for {}, because user [{user}] is unauthorized to run as [{target}]",
            subject.describe()
        ),
        indices: Vec::new(),
    })
}

/// Authorizes a cluster action.
pub fn authorize_cluster(
    subject: &Subject,
    role: &(impl Permission + ?Sized),
    action: &str,
    context: ClusterContext,
) -> Result<(), Denial> {
    if role.check_cluster(action, context) {
        Ok(())
    } else {
        Err(denial(subject, action, &[]))
    }
}

/// Authorizes an index action on concrete `indices` (all must be granted); cluster-level
/// actions (templates) are routed to the cluster check.
pub fn authorize_indices(
    subject: &Subject,
    role: &(impl Permission + ?Sized),
    action: &str,
    indices: &[String],
) -> Result<(), Denial> {
    if is_cluster_action(action) {
        return authorize_cluster(subject, role, action, ClusterContext::default());
    }
    let mut denied: Vec<String> = Vec::new();
    for i in indices {
        if !role.check_index(action, i) && !denied.contains(i) {
            denied.push(i.clone());
        }
    }
    if denied.is_empty() {
        Ok(())
    } else {
        Err(denial(subject, action, &denied))
    }
}

/// Authorizes an index action by name only (`indices:data/write/bulk` before its items).
pub fn authorize_action_name(
    subject: &Subject,
    role: &(impl Permission + ?Sized),
    action: &str,
) -> Result<(), Denial> {
    if role.check_index_action_name(action) {
        Ok(())
    } else {
        Err(denial(subject, action, &[]))
    }
}

/// Expands one index expression of a request: wildcards and `_all` become the authorized
/// names among `existing`; a plain name stays (and is checked, and denied, later).
pub fn expand_expression(
    role: &(impl Permission + ?Sized),
    action: &str,
    expression: &str,
    existing: &[String],
) -> Vec<String> {
    let is_wildcard = expression == "_all" || expression.contains('*') || expression.contains('?');
    if !is_wildcard {
        return vec![expression.to_string()];
    }
    let pattern = PatternSet::new([if expression == "_all" {
        "*"
    } else {
        expression
    }]);
    existing
        .iter()
        .filter(|n| pattern.matches(n) && role.check_index(action, n))
        .cloned()
        .collect()
}

/// A bulk item's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulkOp {
    /// `index` (op_type index: may overwrite).
    Index,
    /// `create` (op_type create; also auto-id `POST /idx/_doc` and `_create`).
    Create,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
}

impl BulkOp {
    /// The operation named in a bulk action line.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "index" => Some(Self::Index),
            "create" => Some(Self::Create),
            "update" => Some(Self::Update),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }

    /// The implied action the item is authorized as.
    pub fn item_action(self) -> &'static str {
        match self {
            Self::Index => action::INDEX_OP_TYPE_INDEX.0,
            Self::Create => action::INDEX_OP_TYPE_CREATE.0,
            Self::Update => action::UPDATE.0,
            Self::Delete => action::DELETE.0,
        }
    }
}

/// Authorizes one bulk item on its concrete `index`: the shard action, then the item's
/// implied action. A denial is reported inside the bulk response, not for the whole request.
pub fn authorize_bulk_item(
    subject: &Subject,
    role: &(impl Permission + ?Sized),
    op: BulkOp,
    index: &str,
) -> Result<(), Denial> {
    let idx = [index.to_string()];
    authorize_indices(subject, role, BULK_SHARD_ACTION, &idx)?;
    authorize_indices(subject, role, op.item_action(), &idx)
}

/// Authorizes creating the missing `index` while writing to it.
pub fn authorize_auto_create(
    subject: &Subject,
    role: &(impl Permission + ?Sized),
    index: &str,
) -> Result<(), Denial> {
    authorize_indices(subject, role, AUTO_CREATE_ACTION, &[index.to_string()])
}

/// One `index` entry of a `_has_privileges` request.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IndexPrivilegesCheck {
    /// Index names or patterns.
    #[serde(deserialize_with = "string_or_vec")]
    pub names: Vec<String>,
    /// Privileges to check.
    pub privileges: Vec<String>,
    /// Whether restricted names are part of the checked set.
    #[serde(default)]
    pub allow_restricted_indices: bool,
}

/// One `application` entry of a `_has_privileges` request.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApplicationPrivilegesCheck {
    /// Application name.
    pub application: String,
    /// Privilege names or action patterns.
    pub privileges: Vec<String>,
    /// Resources.
    pub resources: Vec<String>,
}

/// The body of `_has_privileges`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HasPrivilegesRequest {
    /// Cluster privileges or action patterns.
    #[serde(default)]
    pub cluster: Vec<String>,
    /// Index checks.
    #[serde(default)]
    pub index: Vec<IndexPrivilegesCheck>,
    /// Application checks.
    #[serde(default)]
    pub application: Vec<ApplicationPrivilegesCheck>,
}

fn string_or_vec<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Answers `_has_privileges` in Elasticsearch's response shape:
/// `{"username","has_all_requested","cluster":{..},"index":{name:{priv:bool}},"application":{app:{resource:{priv:bool}}}}`.
pub fn has_privileges(
    username: &str,
    role: &Role,
    request: &HasPrivilegesRequest,
    definitions: &[ApplicationPrivilegeDescriptor],
) -> Result<Value, RoleError> {
    let mut all = true;
    let mut cluster = Map::new();
    for name in &request.cluster {
        let p = ClusterPrivilegeName::resolve(name)?;
        let ok = role.implies_cluster(&p);
        all &= ok;
        cluster.insert(name.clone(), Value::Bool(ok));
    }
    let mut index = Map::new();
    for check in &request.index {
        let privileges: Vec<(String, Automaton)> = check
            .privileges
            .iter()
            .map(|p| IndexPrivilegeName::resolve(p).map(|r| (p.clone(), r.automaton())))
            .collect::<Result<_, _>>()?;
        for name in &check.names {
            let empty = request_is_empty(name, check.allow_restricted_indices);
            let mut allowed = Automaton::empty();
            if !empty {
                for g in &role.groups {
                    if g.matcher.covers(name, check.allow_restricted_indices) {
                        allowed.union_with(g.privileges.automaton());
                    }
                }
            }
            let entry = index
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                for (p, automaton) in &privileges {
                    let ok = empty || automaton.subset_of(&allowed);
                    all &= ok;
                    m.insert(p.clone(), Value::Bool(ok));
                }
            }
        }
    }
    let mut application = Map::new();
    for check in &request.application {
        let app = application
            .entry(check.application.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(app) = app else { continue };
        for resource in &check.resources {
            let res = app
                .entry(resource.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(res) = res else { continue };
            for p in &check.privileges {
                let ok = role.check_application(&check.application, p, resource, definitions);
                all &= ok;
                res.insert(p.clone(), Value::Bool(ok));
            }
        }
    }
    let mut out = Map::new();
    out.insert("username".into(), Value::String(username.to_string()));
    out.insert("has_all_requested".into(), Value::Bool(all));
    out.insert("cluster".into(), Value::Object(cluster));
    out.insert("index".into(), Value::Object(index));
    out.insert("application".into(), Value::Object(application));
    Ok(Value::Object(out))
}

/// `_has_privileges` for an API key: a privilege is held when both the key's descriptors
/// and its owner's snapshotted roles hold it.
pub fn has_privileges_limited(
    username: &str,
    key: &LimitedRole,
    request: &HasPrivilegesRequest,
    definitions: &[ApplicationPrivilegeDescriptor],
) -> Result<Value, RoleError> {
    let mut out = has_privileges(username, &key.limited_by, request, definitions)?;
    if let Some(assigned) = &key.assigned {
        let other = has_privileges(username, assigned, request, definitions)?;
        and_booleans(&mut out, &other);
    }
    Ok(out)
}

fn and_booleans(into: &mut Value, other: &Value) {
    match (into, other) {
        (Value::Bool(a), Value::Bool(b)) => *a = *a && *b,
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a.iter_mut() {
                if let Some(o) = b.get(k) {
                    and_booleans(v, o);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "permission_tests.rs"]
mod tests;
