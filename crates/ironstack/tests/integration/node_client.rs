//! The official Elasticsearch Node.js client (`@elastic/elasticsearch`, installed by
//! `scripts/test.sh` under `scripts/node-client`) over HTTPS against a secured node: the
//! scenarios in `js/` exit 0 printing `ok`, or explain which check failed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{have_tool, interop_required, secured_node};

/// Where the client is installed (`IRONSTACK_NODE_CLIENT`, default `scripts/node-client`).
fn client_dir() -> PathBuf {
    std::env::var_os("IRONSTACK_NODE_CLIENT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/node-client"),
        PathBuf::from,
    )
}

/// Whether `node` and the client are there; the same required/skip rule as `have_tool`.
fn have_node_client() -> bool {
    if !have_tool("node", "--version") {
        return false;
    }
    let installed = client_dir()
        .join("node_modules/@elastic/elasticsearch/package.json")
        .is_file();
    if !installed {
        assert!(
            !interop_required(),
            "@elastic/elasticsearch is required (IRONSTACK_REQUIRE_INTEROP=1) but missing under {}",
            client_dir().display()
        );
        eprintln!("skipping: @elastic/elasticsearch not installed");
    }
    installed
}

fn run_scenario(script: &str) {
    let (home, node, password) = secured_node();
    let ca = home.path().join("config/certs/http_ca.crt");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/js")
        .join(script);
    let o = Command::new("node")
        .arg(&path)
        .arg(&ca)
        .arg(node.port.to_string())
        .arg(&password)
        .env("NODE_PATH", client_dir().join("node_modules"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.trim() == "ok",
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn documents_bulk_and_search_with_the_node_js_client() {
    if have_node_client() {
        run_scenario("documents.js");
    }
}
