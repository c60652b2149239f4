//! Issues tokens through the token service into a fresh security store on disk and prints the
//! mean time of a write per block of writes, with the store's size, to show that a write costs
//! the size of the change and not of the store (run by `bench/security_store.sh`). As the
//! anchor, each block also times a few whole-store rewrites (a compaction: what every write
//! cost before the journal).
//!
//! `store_bench [TOKENS] [DIR]`: TOKENS defaults to 10,000; DIR (default: a temporary folder
//! under `target/`) should be on the disk the node would use, since each write waits for a
//! sync.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ironstack_security::authc::NATIVE_REALM;
use ironstack_security::token::{TokenService, TokenSettings};
use ironstack_security::{Authentication, Authenticator, SecurityStore};

const BLOCK: usize = 1_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let tokens: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let parent = args.next().map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        std::path::PathBuf::from,
    );
    std::fs::create_dir_all(&parent)?;
    let dir = tempfile::tempdir_in(&parent)?;
    let store = Arc::new(SecurityStore::open(dir.path())?);
    let service = TokenService::new(
        Arc::new(Authenticator::new(store.clone(), None)),
        TokenSettings::default(),
    );
    let user = Arc::new(Authentication {
        username: "bench".into(),
        roles: vec!["superuser".into()],
        full_name: None,
        email: None,
        metadata: Default::default(),
        realm: NATIVE_REALM,
    });
    println!(
        "{:>8} {:>14} {:>14} {:>12} {:>12} {:>6} {:>16}",
        "tokens", "mean write", "slowest", "live data", "journal", "syncs", "whole rewrite"
    );
    let mut first_mean = None;
    let mut last_mean = Duration::ZERO;
    let mut done = 0;
    while done < tokens {
        let n = BLOCK.min(tokens - done);
        let mut slowest = Duration::ZERO;
        let started = Instant::now();
        for _ in 0..n {
            let t = Instant::now();
            service.create_token(user.clone(), true)?;
            slowest = slowest.max(t.elapsed());
        }
        done += n;
        let mean = started.elapsed() / n as u32;
        first_mean.get_or_insert(mean);
        last_mean = mean;
        let stats = store.stats();
        let rewrites = 3;
        let t = Instant::now();
        for _ in 0..rewrites {
            store.compact()?;
        }
        let rewrite = t.elapsed() / rewrites;
        println!(
            "{done:>8} {:>11.1} µs {:>11.1} µs {:>9} KiB {:>8} KiB {:>6} {:>13.1} µs",
            mean.as_secs_f64() * 1e6,
            slowest.as_secs_f64() * 1e6,
            stats.live_bytes / 1024,
            stats.journal_bytes / 1024,
            stats.syncs,
            rewrite.as_secs_f64() * 1e6,
        );
    }
    store.wait_for_compaction();
    let first = first_mean.unwrap_or_default();
    println!(
        "mean write, last block / first block: {:.2}",
        last_mean.as_secs_f64() / first.as_secs_f64().max(f64::MIN_POSITIVE)
    );
    Ok(())
}
