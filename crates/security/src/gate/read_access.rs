//! Document- and field-level security of a granted read: what the request may see of each
//! concrete index it reads, with templated role queries rendered for the user the request
//! acts as (`SecurityQueryTemplateEvaluator`). The node applies the result: role queries as
//! filters on searches, counts and gets; the field rules to `_source`, `fields`, mappings and
//! the fields queries and aggregations may use.

use ironstack_types::index_space::IndexSpace;
use ironstack_types::{EsErrorType, EsException};

use super::acting::Acting;
use super::{Authorized, Gate};
use crate::rbac::IndexAccess;
use crate::role_query;

impl Gate {
    /// What `authorized` may read of `index` (a concrete index, alias or data stream name as
    /// the space knows it).
    pub fn read_access(
        &self,
        authorized: &Authorized,
        space: &IndexSpace,
        index: &str,
    ) -> Result<IndexAccess, Box<EsException>> {
        let acting = Acting::of(self, authorized);
        let action = authorized.action();
        let mut access = acting.with_permission(space, |permission, _| {
            permission.index_access(action.as_str(), &[index])
        });
        let user = &acting.authenticated().user;
        for set in &mut access.documents.rule_sets {
            for query in set.iter_mut() {
                *query = role_query::render(query, user).map_err(|e| {
                    Box::new(
                        EsException::new(
                            EsErrorType::Parse,
                            "failed to parse field 'query' from the role descriptor",
                        )
                        .caused_by(EsException::illegal_argument(e.to_string()), false),
                    )
                })?;
            }
        }
        Ok(access)
    }
}
