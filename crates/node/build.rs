//! Stamps the binary with what `GET /` and `_xpack` report as the build: the git commit it was
//! built from and the build time (`SOURCE_DATE_EPOCH` when set, for reproducible builds).

use std::process::Command;

fn main() {
    let hash = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("ironstack-{}", env!("CARGO_PKG_VERSION")));
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    println!("cargo:rustc-env=IRONSTACK_BUILD_HASH={hash}");
    println!("cargo:rustc-env=IRONSTACK_BUILD_DATE={}", iso8601(epoch));
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // A new commit changes the hash; without this the script would only rerun when the
    // crate's own files change.
    for head in ["../../.git/HEAD", "../../.git/refs/heads"] {
        if std::path::Path::new(head).exists() {
            println!("cargo:rerun-if-changed={head}");
        }
    }
}

/// `yyyy-MM-ddTHH:mm:ss.000Z` of a Unix time.
fn iso8601(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}
