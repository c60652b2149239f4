use serde_json::json;

use super::*;
use crate::metadata::{ConcreteIndex, IlmFacts, NoChecks};

const NOW: i64 = 1_700_000_000_000;

fn populated() -> Metadata {
    let mut md = Metadata::new();
    md.put_component_template("c", &json!({"template": {"settings": {"number_of_shards": 1},
        "mappings": {"properties": {"a": {"type": "keyword"}}}, "aliases": {"x": {"is_hidden": true}}}}), false, NOW, &NoChecks)
        .unwrap();
    md.put_index_template(
        "t",
        &json!({"index_patterns": ["logs-*"], "composed_of": ["c"], "data_stream": {},
        "template": {"settings": {"index.lifecycle.name": "p"}}}),
        false,
        NOW,
        &NoChecks,
    )
    .unwrap();
    md.put_ilm_policy(
        "p",
        &json!({"policy": {"phases": {"hot": {"actions": {"rollover": {"max_size": "1gb"}}},
        "delete": {"min_age": "7d", "actions": {"delete": {}}}}}}),
        NOW,
    )
    .unwrap();
    let plan = md.plan_data_stream("logs-a", &[], &NoChecks, NOW).unwrap();
    md.commit_data_stream(&plan).unwrap();
    let mut backing = ConcreteIndex::new(plan.backing_index.name.clone(), "u");
    backing.lifecycle_name = Some("p".into());
    md.ilm_step(&backing, &IlmFacts::default(), NOW);
    md
}

#[test]
fn save_then_load_gives_the_same_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let md = populated();
    save(dir.path(), &md).unwrap();
    let loaded = load(dir.path()).unwrap();
    assert_eq!(loaded, md);
    // Saving again replaces the file and leaves no temporary file behind.
    save(dir.path(), &Metadata::new()).unwrap();
    assert_eq!(load(dir.path()).unwrap(), Metadata::new());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec![FILE_NAME.to_string()]);
}

#[test]
fn the_file_is_private_and_versioned() {
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), &populated()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let raw: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path(dir.path())).unwrap()).unwrap();
    assert_eq!(raw["format_version"], 1);
    // Policies are kept as Elasticsearch writes them.
    assert_eq!(
        raw["metadata"]["ilm_policies"]["p"]["policy"]["phases"]["hot"]["actions"]["rollover"],
        json!({"max_size": "1gb"})
    );
}

#[test]
fn no_file_is_empty_metadata() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(load(dir.path()).unwrap(), Metadata::new());
}

#[test]
fn a_truncated_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), &populated()).unwrap();
    let file = path(dir.path());
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let e = load(dir.path()).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("metadata file [{}] is corrupt: ", file.display())),
        "{text}"
    );
    assert!(matches!(e, StoreError::Unavailable(_)));
    // Never silently reset: the damaged file is still there.
    assert_eq!(std::fs::read(&file).unwrap().len(), bytes.len() / 2);
}

#[test]
fn content_that_does_not_fit_is_an_error_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = path(dir.path());
    std::fs::write(&file, br#"{"format_version":1,"metadata":{"ilm_policies":{"p":{"policy":{"phases":{"hot":{"actions":{"bogus":{}}}}},"version":1,"modified_date":0}}}}"#).unwrap();
    assert!(
        load(dir.path())
            .unwrap_err()
            .to_string()
            .contains("is corrupt")
    );
    std::fs::write(&file, br#"{"format_version":99,"metadata":{}}"#).unwrap();
    assert_eq!(
        load(dir.path()).unwrap_err().to_string(),
        format!(
            "metadata file [{}] has format version [99], this node reads up to [1]",
            file.display()
        )
    );
    std::fs::write(&file, b"").unwrap();
    assert!(load(dir.path()).is_err());
}

#[test]
fn unknown_future_fields_are_tolerated_and_missing_ones_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        path(dir.path()),
        br#"{"format_version":1,"metadata":{"index_templates":{},"a_later_field":{"x":1}}}"#,
    )
    .unwrap();
    assert_eq!(load(dir.path()).unwrap(), Metadata::new());
}
