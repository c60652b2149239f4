//! Per-item authorization of document writes. Elasticsearch authorizes `_bulk` (and a single
//! document write, which is a one-item bulk) by action name first, then each item on the
//! index it names: the shard action `indices:data/write/bulk[s]`, then the item's implied
//! action (`index:op_type/index`, `index:op_type/create`, `update`, `delete`), and before
//! writing to a missing index or data stream, `indices:admin/auto_create`; a document that
//! adds fields needs `indices:admin/mapping/auto_put` on its concrete index. A denied item
//! fails alone, with its own 403, while the others are written.
//!
//! The caller's permission is looked up once per request, not per item.

use std::sync::Arc;

use ironstack_types::index_space::IndexSpace;
use ironstack_types::{EsErrorType, EsException, action};

use super::acting::Acting;
use super::{Authorized, Gate};
use crate::rbac::{
    BulkOp, Denial, MappingUpdate, Permission, Subject, authorize_auto_create, authorize_bulk_item,
    authorize_indices,
};

/// Checks the items of one authorized write request.
pub struct WriteItemAuthorizer {
    /// `None`: security is off and every item may be written.
    acting: Option<Acting>,
    space: Arc<IndexSpace>,
}

impl Gate {
    /// The item checks for `authorized` (a `_bulk` or single-document write), against the
    /// index space the request sees.
    pub fn write_items(
        &self,
        authorized: &Authorized,
        space: Arc<IndexSpace>,
    ) -> WriteItemAuthorizer {
        WriteItemAuthorizer {
            acting: Some(Acting::of(self, authorized)),
            space,
        }
    }
}

impl WriteItemAuthorizer {
    /// The checks of a node whose security is disabled: every item passes.
    pub fn unrestricted() -> Self {
        Self {
            acting: None,
            space: Arc::new(IndexSpace::default()),
        }
    }

    /// Whether `op` may be written through `name` (an index, alias or data stream name as the
    /// item gives it); a denial is the item's 403.
    pub fn check(&self, op: BulkOp, name: &str) -> Result<(), Box<EsException>> {
        self.decide(
            |p| p.check_index(action::BULK_SHARD.0, name) && p.check_index(op.item_action(), name),
            |subject, p| authorize_bulk_item(subject, p, op, name),
        )
    }

    /// Whether the missing `name` may be created by writing to it.
    pub fn check_auto_create(&self, name: &str) -> Result<(), Box<EsException>> {
        self.decide(
            |p| p.check_index(action::AUTO_CREATE_INDEX.0, name),
            |subject, p| authorize_auto_create(subject, p, name),
        )
    }

    /// Whether writes to the concrete `index` may add fields to its mapping
    /// (`indices:admin/mapping/auto_put`, checked on the index a document lands in; a data
    /// stream's privileges cover its backing indices). `Ok(Some(text))`: granted only by the
    /// old index privileges, with Elasticsearch's deprecation warning.
    pub fn check_mapping_update(&self, index: &str) -> Result<Option<String>, Box<EsException>> {
        let Some(acting) = &self.acting else {
            return Ok(None);
        };
        acting.with_permission(&self.space, |permission, subject| {
            match permission.check_auto_put_mapping(index, None) {
                MappingUpdate::Granted => Ok(None),
                MappingUpdate::GrantedDeprecated(warning) => Ok(Some(warning)),
                MappingUpdate::Denied => {
                    let denial = authorize_indices(
                        &subject(),
                        permission,
                        action::AUTO_PUT_MAPPING.0,
                        &[index.to_string()],
                    )
                    .err()
                    .map(|d| d.message)
                    .unwrap_or_else(|| {
                        format!(
                            "action [{}] is unauthorized on indices [{index}]",
                            action::AUTO_PUT_MAPPING.0
                        )
                    });
                    Err(Box::new(EsException::with_status(
                        EsErrorType::Security,
                        403,
                        denial,
                    )))
                }
            }
        })
    }

    /// Runs the cheap check; only a denial builds the subject and Elasticsearch's text.
    fn decide(
        &self,
        granted: impl Fn(&dyn Permission) -> bool,
        explain: impl Fn(&Subject, &dyn Permission) -> Result<(), Denial>,
    ) -> Result<(), Box<EsException>> {
        let Some(acting) = &self.acting else {
            return Ok(());
        };
        acting.with_permission(&self.space, |permission, subject| {
            if granted(permission) {
                return Ok(());
            }
            match explain(&subject(), permission) {
                Ok(()) => Ok(()),
                Err(denial) => Err(Box::new(EsException::with_status(
                    EsErrorType::Security,
                    403,
                    denial.message,
                ))),
            }
        })
    }
}
