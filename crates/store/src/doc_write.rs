//! What a document write asks besides its document: versioning and optimistic concurrency
//! (`version`, `version_type`, `if_seq_no`, `if_primary_term`), `op_type`, `refresh`, and
//! Elasticsearch's request validation of them (`IndexRequest.validate`,
//! `DeleteRequest.validate`, `DocWriteRequest.validateSeqNoBasedCASParams`), shared by the
//! single-document APIs (URL parameters) and `_bulk` (action lines).

use crate::api::{Refresh, WriteCondition};
use crate::{Result, StoreError};

/// `Versions.MATCH_ANY`: no version given.
pub(crate) const MATCH_ANY: i64 = -3;
/// `Versions.MATCH_DELETED`: what `op_type=create` implies.
const MATCH_DELETED: i64 = -4;
/// The longest `_id` Elasticsearch accepts, in UTF-8 bytes.
pub const MAX_ID_BYTES: usize = 512;

/// `version_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VersionType {
    /// `internal`: the store counts versions.
    #[default]
    Internal,
    /// `external` (and its alias `external_gt`): the caller's version must be higher.
    External,
    /// `external_gte`: the caller's version must be higher or equal.
    ExternalGte,
}

impl VersionType {
    /// Parses a `version_type` value (`VersionType.fromString`).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "internal" => Ok(Self::Internal),
            "external" | "external_gt" => Ok(Self::External),
            "external_gte" => Ok(Self::ExternalGte),
            other => Err(StoreError::IllegalArgument(format!(
                "No version type match [{other}]"
            ))),
        }
    }

    /// The name in validation messages (`VersionType.name()`).
    fn java_name(self) -> &'static str {
        match self {
            Self::Internal => "INTERNAL",
            Self::External => "EXTERNAL",
            Self::ExternalGte => "EXTERNAL_GTE",
        }
    }

    /// `VersionType.validateVersionForWrites`.
    fn valid_for_writes(self, version: i64) -> bool {
        match self {
            Self::Internal => version > 0 || version == MATCH_ANY || version == MATCH_DELETED,
            Self::External | Self::ExternalGte => version >= 0,
        }
    }
}

/// The concurrency-control part of one write, as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Versioning {
    /// `version`.
    pub version: Option<i64>,
    /// `version_type`.
    pub version_type: VersionType,
    /// `if_seq_no`.
    pub if_seq_no: Option<i64>,
    /// `if_primary_term`.
    pub if_primary_term: Option<i64>,
}

/// The operation a validated write performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// `index` (may overwrite).
    Index,
    /// `create` (fails if the document exists).
    Create,
    /// `delete`.
    Delete,
}

impl Versioning {
    /// Appends Elasticsearch's validation messages for a write of `kind` with `id` to
    /// `messages`, in its order; an empty list means valid.
    pub fn validate(&self, kind: WriteKind, id: Option<&str>, messages: &mut Vec<String>) {
        let given = self.version.unwrap_or(MATCH_ANY);
        let version = match (kind, given) {
            (WriteKind::Create, MATCH_ANY) => MATCH_DELETED,
            _ => given,
        };
        match kind {
            WriteKind::Create => {
                // `IndexRequest.validate` stops at the first create-specific problem.
                if self.version_type != VersionType::Internal {
                    messages.push(
                        "create operations only support internal versioning. use index instead"
                            .into(),
                    );
                    return;
                }
                if version != MATCH_DELETED {
                    messages.push(
                        "create operations do not support explicit versions. use index instead"
                            .into(),
                    );
                    return;
                }
                if self.if_seq_no.is_some() || self.if_primary_term.is_some() {
                    messages.push(
                        "create operations do not support compare and set. use index instead"
                            .into(),
                    );
                    return;
                }
            }
            WriteKind::Index => {
                if id.is_none()
                    && (self.version_type != VersionType::Internal
                        || (version != MATCH_DELETED && version != MATCH_ANY))
                {
                    messages.push("an id must be provided if version type or value are set".into());
                }
            }
            WriteKind::Delete => {
                if id.is_none() {
                    messages.push("id is missing".into());
                }
            }
        }
        self.validate_compare_and_set(version, messages);
        validate_id_length(id, messages);
    }

    /// `DocWriteRequest.validateSeqNoBasedCASParams` (an update has no version: `MATCH_ANY`).
    pub(crate) fn validate_compare_and_set(&self, version: i64, messages: &mut Vec<String>) {
        let version_type = self.version_type;
        if !version_type.valid_for_writes(version) {
            messages.push(format!(
                "illegal version value [{version}] for version type [{}]",
                version_type.java_name()
            ));
        }
        if version_type == VersionType::Internal && version != MATCH_ANY && version != MATCH_DELETED
        {
            messages.push(
                "internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead"
                    .into(),
            );
        }
        if self.if_seq_no.is_some()
            && (version_type != VersionType::Internal || version != MATCH_ANY)
        {
            messages.push("compare and write operations can not use versioning".into());
        }
        match (self.if_seq_no, self.if_primary_term) {
            (Some(_), None) => messages.push("ifSeqNo is set, but primary term is [0]".into()),
            (None, Some(term)) => messages.push(format!(
                "ifSeqNo is unassigned, but primary term is [{term}]"
            )),
            _ => {}
        }
    }

    /// The store's condition for a write that passed [`Versioning::validate`].
    pub fn condition(&self) -> WriteCondition {
        match (self.if_seq_no, self.if_primary_term, self.version) {
            (Some(seq_no), Some(term), _) => WriteCondition::SeqNo {
                seq_no: u64::try_from(seq_no).unwrap_or(0),
                primary_term: u64::try_from(term).unwrap_or(0),
            },
            (_, _, Some(version)) if self.version_type != VersionType::Internal => {
                WriteCondition::External {
                    version: u64::try_from(version).unwrap_or(0),
                    gte: self.version_type == VersionType::ExternalGte,
                }
            }
            _ => WriteCondition::None,
        }
    }

    /// Reads the versioning URL parameters of a single-document request; `param` looks a
    /// parameter up by name.
    pub fn from_params<'a>(param: impl Fn(&str) -> Option<&'a str>) -> Result<Self> {
        let long = |name: &str| -> Result<Option<i64>> {
            param(name)
                .map(|v| {
                    v.parse::<i64>().map_err(|_| {
                        StoreError::IllegalArgument(format!(
                            "Failed to parse long parameter [{name}] with value [{v}]"
                        ))
                    })
                })
                .transpose()
        };
        let if_seq_no = long("if_seq_no")?;
        if let Some(n) = if_seq_no
            && n < 0
        {
            return Err(StoreError::IllegalArgument(format!(
                "sequence numbers must be non negative. got [{n}]."
            )));
        }
        let if_primary_term = long("if_primary_term")?;
        if let Some(n) = if_primary_term
            && n < 0
        {
            return Err(StoreError::IllegalArgument(format!(
                "primary term must be non negative. got [{n}]."
            )));
        }
        Ok(Self {
            version: long("version")?,
            version_type: param("version_type")
                .map(VersionType::parse)
                .transpose()?
                .unwrap_or_default(),
            if_seq_no,
            if_primary_term,
        })
    }
}

/// `DocWriteRequest.validateDocIdLength`.
pub(crate) fn validate_id_length(id: Option<&str>, messages: &mut Vec<String>) {
    if let Some(id) = id
        && id.len() > MAX_ID_BYTES
    {
        messages.push(format!(
            "id [{id}] is too long, must be no longer than {MAX_ID_BYTES} bytes but was: {}",
            id.len()
        ));
    }
}

/// Parses `op_type` (`IndexRequest.opType(String)`): `create` or `index`, any case.
pub fn parse_op_type(text: &str) -> Result<WriteKind> {
    match text.to_ascii_lowercase().as_str() {
        "create" => Ok(WriteKind::Create),
        "index" => Ok(WriteKind::Index),
        _ => Err(StoreError::IllegalArgument(format!(
            "opType must be 'create' or 'index', found: [{text}]"
        ))),
    }
}

/// Parses `?refresh` (`WriteRequest.RefreshPolicy.parse`): empty and `true` refresh now.
pub fn parse_refresh(text: &str) -> Result<Refresh> {
    match text {
        "" | "true" => Ok(Refresh::Immediate),
        "false" => Ok(Refresh::None),
        "wait_for" => Ok(Refresh::WaitFor),
        other => Err(StoreError::IllegalArgument(format!(
            "Unknown value for refresh: [{other}]."
        ))),
    }
}

#[cfg(test)]
#[path = "doc_write_tests.rs"]
mod tests;
