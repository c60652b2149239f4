//! Expands a request's index expression to the names a caller may see, as Elasticsearch's
//! `IndicesAndAliasesResolver` does: wildcards and `_all` reach only authorized, visible
//! names; explicit names stay (and are denied later if unauthorized) unless
//! `ignore_unavailable` drops them; `-name` after a wildcard excludes; date math names are
//! resolved first; an empty result is "no indices" or `index_not_found_exception`, as
//! `allow_no_indices` says. Data stream backing indices are authorized through their stream.

use ironstack_types::date::Timestamp;
use ironstack_types::date_math_name;
use ironstack_types::index_space::{
    IndexSpace, IndicesOptions, index_not_found, is_all_indices, is_wildcard, wildcard_reaches,
};
use ironstack_types::wildcard::simple_match;
use ironstack_types::{EsErrorType, EsException};

use crate::rbac::{ClusterContext, IndexAccess, MappingUpdate, Permission};

/// The names a request reaches after expansion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedIndices {
    /// Index, alias and data stream names as requested, wildcards replaced, each once.
    pub names: Vec<String>,
    /// Nothing was reached and `allow_no_indices` let the request through: it runs on no
    /// index (a search answers with no hits) instead of on every index.
    pub no_indices: bool,
}

/// A permission that also grants a data stream's backing indices when it grants the stream
/// (`IndicesPermission` checks a backing index's parent data stream too).
pub struct SpacePermission<'a, P: ?Sized> {
    permission: &'a P,
    space: &'a IndexSpace,
}

impl<'a, P: Permission + ?Sized> SpacePermission<'a, P> {
    /// `permission` seen through `space`.
    pub fn new(permission: &'a P, space: &'a IndexSpace) -> Self {
        Self { permission, space }
    }
}

impl<P: Permission + ?Sized> Permission for SpacePermission<'_, P> {
    fn check_cluster(&self, action: &str, context: ClusterContext) -> bool {
        self.permission.check_cluster(action, context)
    }

    fn check_index(&self, action: &str, index: &str) -> bool {
        self.permission.check_index(action, index)
            || self
                .space
                .parent_data_stream(index)
                .is_some_and(|stream| self.permission.check_index(action, stream))
    }

    fn check_index_action_name(&self, action: &str) -> bool {
        self.permission.check_index_action_name(action)
    }

    fn index_access(&self, action: &str, names: &[&str]) -> IndexAccess {
        let mut all: Vec<&str> = names.to_vec();
        for name in names {
            if let Some(stream) = self.space.parent_data_stream(name)
                && !all.contains(&stream)
            {
                all.push(stream);
            }
        }
        self.permission.index_access(action, &all)
    }

    fn check_auto_put_mapping(&self, index: &str, data_stream: Option<&str>) -> MappingUpdate {
        let data_stream = data_stream.or_else(|| self.space.parent_data_stream(index));
        self.permission.check_auto_put_mapping(index, data_stream)
    }
}

/// Resolves `expressions` (the comma-separated parts of the request's index parameter) for
/// a caller whose `authorized` predicate says which existing names it may use for the
/// action. `now` evaluates date math names.
pub fn resolve_indices(
    expressions: &[String],
    options: &IndicesOptions,
    space: &IndexSpace,
    authorized: impl Fn(&str) -> bool,
    now: Timestamp,
) -> Result<ResolvedIndices, Box<EsException>> {
    let usable = |name: &str| space.get(name).is_some() && authorized(name);
    if options.forbid_wildcards
        && (is_all_indices(expressions) || expressions.iter().any(|e| is_wildcard(e)))
    {
        return Err(Box::new(EsException::illegal_argument(
            "Wildcard expressions or all indices are not allowed",
        )));
    }
    let mut names: Vec<String> = Vec::new();
    if is_all_indices(expressions) {
        if options.expand_wildcards.expands() {
            names = space
                .iter()
                .filter(|a| wildcard_reaches("*", a, options) && authorized(&a.name))
                .map(|a| a.name.clone())
                .collect();
        }
    } else {
        let mut wildcard_seen = false;
        for expression in expressions {
            let (exclude, raw) = match expression.strip_prefix('-') {
                Some(rest) if wildcard_seen => (true, rest),
                _ => (false, expression.as_str()),
            };
            let name = date_math_name::resolve(raw, now)
                .map_err(|e| Box::new(EsException::from_code(&e)))?;
            let is_date_math = name != raw;
            if is_date_math && !is_wildcard(&name) {
                // A date math name is looked up like a wildcard result: it must exist and be
                // usable, or it is missing (even when it exists but is not authorized).
                if usable(&name) {
                    apply(&mut names, [name], exclude);
                } else if !options.ignore_unavailable {
                    return Err(Box::new(index_not_found(&name)));
                }
                continue;
            }
            if options.expand_wildcards.expands() && is_wildcard(&name) {
                wildcard_seen = true;
                let reached: Vec<String> = space
                    .iter()
                    .filter(|a| {
                        simple_match(&name, &a.name)
                            && wildcard_reaches(&name, a, options)
                            && authorized(&a.name)
                    })
                    .map(|a| a.name.clone())
                    .collect();
                if reached.is_empty() && !options.allow_no_indices {
                    return Err(Box::new(index_not_found(&name)));
                }
                apply(&mut names, reached, exclude);
                continue;
            }
            if name.starts_with('_') {
                return Err(Box::new(
                    EsException::new(
                        EsErrorType::InvalidIndexName,
                        format!("Invalid index name [{name}], must not start with '_'."),
                    )
                    .meta("index_uuid", "_na_")
                    .meta("index", name.as_str()),
                ));
            }
            apply(&mut names, [name], exclude);
        }
        if options.ignore_unavailable {
            // Out of everything reached, only what exists and may be used: unauthorized
            // explicit names are skipped silently rather than denied.
            names.retain(|n| usable(n));
        }
    }
    if names.is_empty() {
        if options.allow_no_indices {
            return Ok(ResolvedIndices {
                names,
                no_indices: true,
            });
        }
        return Err(Box::new(index_not_found(&format!(
            "[{}]",
            expressions.join(", ")
        ))));
    }
    Ok(ResolvedIndices {
        names,
        no_indices: false,
    })
}

/// Adds (each once, in order) or removes `reached`.
fn apply(names: &mut Vec<String>, reached: impl IntoIterator<Item = String>, exclude: bool) {
    for name in reached {
        if exclude {
            names.retain(|n| *n != name);
        } else if !names.contains(&name) {
            names.push(name);
        }
    }
}

#[cfg(test)]
#[path = "index_resolver_tests.rs"]
mod tests;
