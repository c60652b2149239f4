use super::*;

fn defaults() -> BulkDefaults {
    BulkDefaults {
        allow_explicit_index: true,
        ..BulkDefaults::default()
    }
}

fn err(body: &str) -> String {
    parse(body.as_bytes(), &defaults()).unwrap_err().to_string()
}

#[test]
fn items_carry_their_metadata_and_raw_documents() {
    let body = "{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"f\":1}\r\n\n{\"create\":{\"_index\":\"b\"}}\n{\"g\":2}\n{\"delete\":{\"_index\":\"a\",\"_id\":\"1\",\"if_seq_no\":3,\"if_primary_term\":1}}\n{\"update\":{\"_index\":\"a\",\"_id\":\"2\",\"retry_on_conflict\":2}}\n{\"doc\":{\"x\":1},\"doc_as_upsert\":true}\n{\"index\":{\"_index\":\"a\",\"op_type\":\"create\"}}\n{}\n";
    let items = parse(body.as_bytes(), &defaults()).unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[0].action, BulkAction::Index);
    assert_eq!(items[0].line, 1);
    assert_eq!(items[0].document, Some(&b"{\"f\":1}"[..]), "\\r is dropped");
    assert_eq!(items[1].action, BulkAction::Create);
    assert_eq!(items[1].line, 4, "the blank line counts");
    assert_eq!(items[1].id, None);
    assert_eq!(items[2].action, BulkAction::Delete);
    assert_eq!(items[2].versioning.if_seq_no, Some(3));
    assert!(items[2].document.is_none());
    let update = items[3].update.as_ref().unwrap();
    assert!(update.doc_as_upsert && update.detect_noop);
    assert_eq!(items[3].retry_on_conflict, 2);
    assert_eq!(items[4].action, BulkAction::Create, "op_type create");
    validate(&items).unwrap();
}

#[test]
fn url_defaults_apply_and_explicit_index_can_be_forbidden() {
    let d = BulkDefaults {
        index: Some("def".into()),
        routing: Some("r".into()),
        require_alias: true,
        allow_explicit_index: true,
        ..BulkDefaults::default()
    };
    let items = parse(b"{\"index\":{}}\n{}\n", &d).unwrap();
    assert_eq!(items[0].index.as_deref(), Some("def"));
    assert_eq!(items[0].routing.as_deref(), Some("r"));
    assert!(items[0].require_alias);
    let forbid = BulkDefaults {
        allow_explicit_index: false,
        ..d
    };
    assert_eq!(
        parse(b"{\"index\":{\"_index\":\"x\"}}\n{}\n", &forbid)
            .unwrap_err()
            .to_string(),
        "explicit index in bulk is not allowed"
    );
}

#[test]
fn framing_and_action_lines_fail_with_elasticsearch_texts() {
    assert_eq!(
        err("{\"index\":{\"_index\":\"a\"}}\n{}"),
        "The bulk request must be terminated by a newline [\\n]"
    );
    assert_eq!(
        err("[1]\n"),
        "Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]"
    );
    assert_eq!(
        err("{}\n"),
        "Malformed action/metadata line [1], expected FIELD_NAME but found [END_OBJECT]"
    );
    assert_eq!(
        err("{\"upsert\":{}}\n"),
        "Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [upsert]"
    );
    assert_eq!(
        err("{\"index\":{},\"x\":1}\n{}\n"),
        "Malformed action/metadata line [1], expected END_OBJECT but found [FIELD_NAME]"
    );
    assert_eq!(
        err("{\"index\":\"a\"}\n{}\n"),
        "Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]"
    );
    assert_eq!(
        err("{\"delete\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"index\":{\"bogus\":1}}\n{}\n"),
        "Action/metadata line [2] contains an unknown parameter [bogus]"
    );
    assert_eq!(
        err("{\"index\":{\"_id\":[1]}}\n{}\n"),
        "Malformed action/metadata line [1], expected a simple value for field [_id] but found [START_ARRAY]"
    );
    assert_eq!(
        err("{\"update\":{\"_index\":\"a\",\"_id\":\"1\",\"version\":2}}\n{\"doc\":{}}\n"),
        "Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead"
    );
    assert_eq!(
        err("{\"update\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"doc\":{},\"bogus\":1}\n"),
        "[UpdateRequest] unknown field [bogus]"
    );
    assert_eq!(
        err("{\"update\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"doc\":\"x\"}\n"),
        "[UpdateRequest] doc doesn't support values of type: VALUE_STRING"
    );
    assert_eq!(
        err("{\"index\":{\"op_type\":\"merge\"}}\n{}\n"),
        "opType must be 'create' or 'index', found: [merge]"
    );
    assert!(err("{\"index\":{\"_id\":\"1\",\"_id\":\"2\"}}\n{}\n").contains("Duplicate field"));
}

#[test]
fn validation_lists_every_problem_of_every_item() {
    let body = "{\"index\":{\"version\":3,\"version_type\":\"external\"}}\n{}\n{\"delete\":{\"_index\":\"a\"}}\n{\"update\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"script\":{\"source\":\"ctx._source.x++\"}}\n";
    let items = parse(body.as_bytes(), &defaults()).unwrap();
    let e = validate(&items).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Validation Failed: 1: index is missing;2: an id must be provided if version type or value are set;3: id is missing;4: script is not supported: ironstack runs no scripts, use [doc] for partial updates;"
    );
    assert_eq!(
        validate(&[]).unwrap_err().to_string(),
        "Validation Failed: 1: no requests added;"
    );
    let items = parse(
        b"{\"update\":{\"_index\":\"a\",\"_id\":\"1\",\"if_seq_no\":1,\"if_primary_term\":1,\"retry_on_conflict\":1}}\n{\"doc_as_upsert\":true,\"upsert\":{}}\n",
        &defaults(),
    )
    .unwrap();
    assert_eq!(
        validate(&items).unwrap_err().to_string(),
        "Validation Failed: 1: compare and write operations can not be retried;2: compare and write operations can not be used with upsert;3: upsert requests don't support `if_seq_no` and `if_primary_term`;4: script or doc is missing;5: doc must be specified if doc_as_upsert is enabled;"
    );
}

#[test]
fn a_last_item_without_its_document_line_is_dropped() {
    let items = parse(
        b"{\"delete\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"index\":{\"_index\":\"a\"}}\n",
        &defaults(),
    )
    .unwrap();
    assert_eq!(items.len(), 1);
}

proptest::proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        if let Ok(items) = parse(&body, &defaults()) {
            let _ = validate(&items);
        }
    }

    #[test]
    fn arbitrary_action_lines_never_panic(line in "\\{\"(index|create|update|delete|x)\":\\{(\"[_a-z]{1,8}\":(1|\"a\"|true|null|\\[\\]|\\{\\}),?){0,3}\\}\\}\n(\\{\\}\n)?") {
        if let Ok(items) = parse(line.as_bytes(), &defaults()) {
            let _ = validate(&items);
        }
    }
}
