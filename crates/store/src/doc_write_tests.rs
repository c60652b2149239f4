use super::*;

fn messages(v: Versioning, kind: WriteKind, id: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    v.validate(kind, id, &mut out);
    out
}

fn external(version: i64) -> Versioning {
    Versioning {
        version: Some(version),
        version_type: VersionType::External,
        ..Versioning::default()
    }
}

#[test]
fn plain_writes_are_valid() {
    for kind in [WriteKind::Index, WriteKind::Create] {
        assert!(messages(Versioning::default(), kind, None).is_empty());
        assert!(messages(Versioning::default(), kind, Some("1")).is_empty());
    }
    assert!(messages(Versioning::default(), WriteKind::Delete, Some("1")).is_empty());
    assert_eq!(
        messages(Versioning::default(), WriteKind::Delete, None),
        ["id is missing"]
    );
}

#[test]
fn create_refuses_versioning_with_the_first_reason_only() {
    assert_eq!(
        messages(external(3), WriteKind::Create, Some("1")),
        ["create operations only support internal versioning. use index instead"]
    );
    let internal = Versioning {
        version: Some(2),
        ..Versioning::default()
    };
    assert_eq!(
        messages(internal, WriteKind::Create, Some("1")),
        ["create operations do not support explicit versions. use index instead"]
    );
    let cas = Versioning {
        if_seq_no: Some(1),
        if_primary_term: Some(1),
        ..Versioning::default()
    };
    assert_eq!(
        messages(cas, WriteKind::Create, Some("1")),
        ["create operations do not support compare and set. use index instead"]
    );
}

#[test]
fn index_versioning_rules_follow_elasticsearch() {
    assert_eq!(
        messages(external(3), WriteKind::Index, None),
        ["an id must be provided if version type or value are set"]
    );
    assert!(messages(external(0), WriteKind::Index, Some("1")).is_empty());
    assert_eq!(
        messages(external(-5), WriteKind::Index, Some("1")),
        ["illegal version value [-5] for version type [EXTERNAL]"]
    );
    let internal = Versioning {
        version: Some(2),
        ..Versioning::default()
    };
    assert_eq!(
        messages(internal, WriteKind::Index, Some("1")),
        [
            "internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead"
        ]
    );
    let seq_only = Versioning {
        if_seq_no: Some(3),
        ..Versioning::default()
    };
    assert_eq!(
        messages(seq_only, WriteKind::Index, Some("1")),
        ["ifSeqNo is set, but primary term is [0]"]
    );
    let term_only = Versioning {
        if_primary_term: Some(2),
        ..Versioning::default()
    };
    assert_eq!(
        messages(term_only, WriteKind::Delete, Some("1")),
        ["ifSeqNo is unassigned, but primary term is [2]"]
    );
    let both = Versioning {
        if_seq_no: Some(3),
        if_primary_term: Some(1),
        ..external(4)
    };
    assert_eq!(
        messages(both, WriteKind::Index, Some("1")),
        ["compare and write operations can not use versioning"]
    );
    let long_id = "x".repeat(513);
    assert_eq!(
        messages(Versioning::default(), WriteKind::Index, Some(&long_id)),
        [format!(
            "id [{long_id}] is too long, must be no longer than 512 bytes but was: 513"
        )]
    );
}

#[test]
fn conditions_carry_what_was_asked() {
    let cas = Versioning {
        if_seq_no: Some(3),
        if_primary_term: Some(1),
        ..Versioning::default()
    };
    assert_eq!(
        cas.condition(),
        WriteCondition::SeqNo {
            seq_no: 3,
            primary_term: 1
        }
    );
    assert_eq!(
        external(7).condition(),
        WriteCondition::External {
            version: 7,
            gte: false
        }
    );
    let gte = Versioning {
        version_type: VersionType::ExternalGte,
        ..external(7)
    };
    assert_eq!(
        gte.condition(),
        WriteCondition::External {
            version: 7,
            gte: true
        }
    );
    assert_eq!(Versioning::default().condition(), WriteCondition::None);
}

#[test]
fn url_parameters_parse_with_elasticsearch_errors() {
    let params = [("version", "5"), ("version_type", "external_gte")];
    let lookup = |k: &str| params.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    let v = Versioning::from_params(lookup).unwrap();
    assert_eq!(v.version, Some(5));
    assert_eq!(v.version_type, VersionType::ExternalGte);
    let bad = |k: &str| (k == "if_seq_no").then_some("x");
    assert_eq!(
        Versioning::from_params(bad).unwrap_err().to_string(),
        "Failed to parse long parameter [if_seq_no] with value [x]"
    );
    let negative = |k: &str| (k == "if_seq_no").then_some("-2");
    assert_eq!(
        Versioning::from_params(negative).unwrap_err().to_string(),
        "sequence numbers must be non negative. got [-2]."
    );
    let force = |k: &str| (k == "version_type").then_some("force");
    assert_eq!(
        Versioning::from_params(force).unwrap_err().to_string(),
        "No version type match [force]"
    );
    assert_eq!(parse_op_type("CREATE").unwrap(), WriteKind::Create);
    assert_eq!(
        parse_op_type("upsert").unwrap_err().to_string(),
        "opType must be 'create' or 'index', found: [upsert]"
    );
    assert_eq!(parse_refresh("").unwrap(), Refresh::Immediate);
    assert_eq!(parse_refresh("wait_for").unwrap(), Refresh::WaitFor);
    assert_eq!(
        parse_refresh("later").unwrap_err().to_string(),
        "Unknown value for refresh: [later]."
    );
}
