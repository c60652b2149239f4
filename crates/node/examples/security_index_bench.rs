//! The security store on the node's `.security-7` and `.security-tokens-7` indices as it
//! grows: API key creation, authentication (first use, which verifies the PBKDF2 hash, and
//! cached), `_query/api_key`, invalidation; token creation, authentication, refresh and
//! invalidation; and a node start (reading every document back); each timed with 1,000 keys
//! and 1,000 tokens stored (the anchor) and with KEYS of each (default 100,000) in the same
//! run. Run by `bench/security_store.sh`.
//!
//! `security_index_bench [KEYS] [DIR]`: DIR (default: a temporary folder under `target/`)
//! should be on the disk the node would use, since each write waits for a sync.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use ironstack_node::security_index::open_security_store;
use ironstack_security::api_key::api_key_from_index_hit;
use ironstack_security::api_key::{
    ApiKeyFilter, CreateApiKey, create_api_key, invalidate_api_keys,
};
use ironstack_security::authc::RESERVED_REALM;
use ironstack_security::query::{API_KEY_SCHEMA, parse_request};
use ironstack_security::security_index::{ApiKeyScope, SECURITY_INDEX, api_key_search_body};
use ironstack_security::token::{
    InvalidateTarget, TokenClient, TokenService, TokenSettings, token_hash,
};
use ironstack_security::{
    Authentication, Authenticator, Hasher, Section, SecureString, SecurityStore,
};
use ironstack_store::api::AllFields;
use ironstack_store::query::parse_search_request;
use ironstack_store::service::StoreService;

/// Operations timed per measurement.
const OPS: usize = 100;
/// Documents per write while the store is filled.
const FILL_BATCH: usize = 1_000;
const SECRET: &str = "benchmark-secret-0123456789";

fn owner() -> Authentication {
    Authentication {
        username: "elastic".into(),
        roles: vec!["superuser".into()],
        full_name: None,
        email: None,
        metadata: Default::default(),
        realm: RESERVED_REALM,
    }
}

/// Adds keys `from..to`, all with the same secret (hashed once), in batches.
fn fill(store: &SecurityStore, hash: &str, from: usize, to: usize) -> Result<(), String> {
    let mut i = from;
    while i < to {
        let end = (i + FILL_BATCH).min(to);
        let docs = (i..end)
            .map(|n| {
                let id = format!("bench-key-{n:08}");
                let doc = json!({
                    "id": id, "name": format!("key-{n}"), "api_key_hash": hash,
                    "creation": 1_700_000_000_000u64 + n as u64, "expiration": null,
                    "invalidated": false, "username": "elastic", "realm": "reserved",
                    "realm_type": "reserved", "metadata": {"team": format!("t{}", n % 50)},
                    "role_descriptors": {}, "limited_by_role_descriptors": {"superuser": {"cluster": ["all"]}},
                });
                (id, doc)
            })
            .collect();
        store
            .put_api_keys(docs)
            .map_err(|e| format!("cannot fill: {e}"))?;
        i = end;
    }
    Ok(())
}

struct Timing {
    p50: Duration,
    p99: Duration,
}

fn time(mut op: impl FnMut(usize) -> Result<(), String>) -> Result<Timing, String> {
    let mut samples = Vec::with_capacity(OPS);
    for i in 0..OPS {
        let t = Instant::now();
        op(i)?;
        samples.push(t.elapsed());
    }
    samples.sort();
    Ok(Timing {
        p50: samples[OPS / 2],
        p99: samples[(OPS * 99 / 100).min(OPS - 1)],
    })
}

/// What the node's `_query/api_key` does: the request translated into a search of
/// `.security-7`, each hit read back as a key.
fn query(service: &StoreService, store: &SecurityStore, body: &Value) -> Result<usize, String> {
    let request = parse_request(&API_KEY_SCHEMA, Some(body)).map_err(|e| e.reason)?;
    let search = parse_search_request(Some(&api_key_search_body(&request, &ApiKeyScope::All)), &[])
        .map_err(|e| e.to_string())?;
    let result = service
        .backend()
        .search(&[SECURITY_INDEX.to_string()], &search, &AllFields)
        .map_err(|e| e.to_string())?;
    let keys: Vec<Value> = result
        .hits
        .into_iter()
        .filter_map(|h| api_key_from_index_hit(store, &h.id, h.source?))
        .map(|k| k.to_json(false))
        .collect();
    Ok(keys.len())
}

fn measure(
    service: &StoreService,
    store: &Arc<SecurityStore>,
    keys: usize,
) -> Result<Vec<(&'static str, Timing)>, String> {
    let me = owner();
    let mut rows = Vec::new();
    rows.push((
        "create (PBKDF2 hash + durable write)",
        time(|i| {
            let req = CreateApiKey {
                name: format!("new-{keys}-{i}"),
                ..CreateApiKey::default()
            };
            create_api_key(store, &me, req)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?,
    ));
    let secret = SecureString::new(SECRET);
    let authenticator = Authenticator::new(store.clone(), None);
    let mut after_write = Vec::with_capacity(OPS);
    // The same keys twice: the first pass verifies each hash, the second finds it cached.
    let authenticate = |i: usize| {
        let id = format!("bench-key-{:08}", (i * 7919) % keys);
        authenticator
            .authenticate_api_key(&id, &secret)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    rows.push((
        "authenticate, first use (PBKDF2 verify)",
        time(authenticate)?,
    ));
    rows.push(("authenticate, cached", time(authenticate)?));
    rows.push((
        "_query/api_key by name (term)",
        time(|i| {
            query(
                service,
                store,
                &json!({"query": {"term": {"name": format!("key-{}", i * 13 % keys)}}}),
            )
            .map(|_| ())
        })?,
    ));
    rows.push((
        "_query/api_key newest 10 of a team",
        time(|_| {
            query(
                service,
                store,
                &json!({"query": {"term": {"metadata.team": "t7"}}, "sort": [{"creation": "desc"}], "size": 10}),
            )
            .map(|_| ())
        })?,
    ));
    rows.push((
        "_query/api_key right after a key was created",
        time(|i| {
            let req = CreateApiKey {
                name: format!("fresh-{keys}-{i}"),
                ..CreateApiKey::default()
            };
            create_api_key(store, &me, req).map_err(|e| e.to_string())?;
            let t = Instant::now();
            let out = query(
                service,
                store,
                &json!({"query": {"prefix": {"name": "fresh-"}}, "size": 1}),
            );
            after_write.push(t.elapsed());
            out.map(|_| ())
        })
        .map(|_| {
            after_write.sort();
            Timing {
                p50: after_write[after_write.len() / 2],
                p99: after_write[(after_write.len() * 99 / 100).min(after_write.len() - 1)],
            }
        })?,
    ));
    rows.push((
        "invalidate one key by id",
        time(|i| {
            let filter = ApiKeyFilter {
                ids: vec![format!("bench-key-{:08}", (i * 104_729 + 1) % keys)],
                ..ApiKeyFilter::default()
            };
            let out = invalidate_api_keys(store, &filter);
            if out.errors.is_empty() {
                Ok(())
            } else {
                Err(format!("{:?}", out.errors))
            }
        })?,
    ));
    Ok(rows)
}

/// Adds tokens `from..to`: copies of `template` (a real token document) under the ids and
/// refresh hashes of `bench-access-<n>` / `bench-refresh-<n>`.
fn fill_tokens(
    store: &SecurityStore,
    template: &Value,
    from: usize,
    to: usize,
) -> Result<(), String> {
    let mut i = from;
    while i < to {
        let end = (i + FILL_BATCH).min(to);
        let docs = (i..end)
            .map(|n| {
                let id = token_hash(&format!("bench-access-{n:08}"));
                let mut doc = template.clone();
                doc["access_token"]["user_token"]["id"] = json!(id);
                doc["refresh_token"]["token"] = json!(token_hash(&format!("bench-refresh-{n:08}")));
                (id, doc)
            })
            .collect();
        store
            .write_docs(Section::Tokens, docs, &[])
            .map_err(|e| format!("cannot fill tokens: {e}"))?;
        i = end;
    }
    Ok(())
}

fn measure_tokens(
    store: &Arc<SecurityStore>,
    tokens: usize,
    round: usize,
) -> Result<Vec<(&'static str, Timing)>, String> {
    let user = Arc::new(owner());
    let service = TokenService::new(
        Arc::new(Authenticator::new(store.clone(), None)),
        TokenSettings::default(),
    );
    // Each round uses its own tokens: a spent refresh token cannot be spent again.
    let pick = |i: usize, salt: usize| ((i + round * OPS) * salt + 1) % tokens;
    let mut rows = Vec::new();
    rows.push((
        "token: create (access + refresh, durable write)",
        time(|_| {
            service
                .create_token(user.clone(), true)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?,
    ));
    rows.push((
        "token: authenticate, first use",
        time(|i| {
            service
                .authenticate(&format!("bench-access-{:08}", pick(i, 7919)))
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?,
    ));
    rows.push((
        "token: refresh grant",
        time(|i| {
            let refresh = SecureString::new(format!("bench-refresh-{:08}", pick(i, 104_729)));
            service
                .refresh(&refresh, TokenClient::user(&user))
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?,
    ));
    rows.push((
        "token: invalidate one access token",
        time(|i| {
            let token = SecureString::new(format!("bench-access-{:08}", pick(i, 15_485_863)));
            service
                .invalidate(&InvalidateTarget::AccessToken(token))
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?,
    ));
    Ok(rows)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn main() -> Result<(), String> {
    // The store's own log says how a start divides between opening the document store and
    // reading the security documents.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let keys: usize = match args.next() {
        Some(a) => a.parse().map_err(|e| format!("KEYS: {e}"))?,
        None => 100_000,
    };
    let parent = args.next().map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        std::path::PathBuf::from,
    );
    std::fs::create_dir_all(&parent).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir_in(&parent).map_err(|e| e.to_string())?;
    let hash = Hasher::Pbkdf2Stretch { iterations: 10_000 }
        .hash(SECRET)
        .map_err(|e| e.to_string())?;

    let anchor = 1_000.min(keys);
    let (service, store) = open_security_store(dir.path())?;
    let store = Arc::new(store);
    let template = {
        let tokens = TokenService::new(
            Arc::new(Authenticator::new(store.clone(), None)),
            TokenSettings::default(),
        );
        let issued = tokens
            .create_token(Arc::new(owner()), true)
            .map_err(|e| e.to_string())?;
        store
            .doc(Section::Tokens, &token_hash(issued.access_token.expose()))
            .ok_or("the token just issued is not stored")?
    };
    fill(&store, &hash, 0, anchor)?;
    fill_tokens(&store, &template, 0, anchor)?;
    let mut small = measure(&service, &store, anchor)?;
    small.extend(measure_tokens(&store, anchor, 0)?);
    let t = Instant::now();
    fill(&store, &hash, anchor, keys)?;
    fill_tokens(&store, &template, anchor, keys)?;
    let fill_time = t.elapsed();
    let mut large = measure(&service, &store, keys)?;
    large.extend(measure_tokens(&store, keys, 1)?);
    drop(store);
    drop(service);
    let t = Instant::now();
    let (_service, reopened) = open_security_store(dir.path())?;
    let start_time = t.elapsed();
    let loaded = reopened.api_keys().len();
    let loaded_tokens = reopened.docs(Section::Tokens).len();

    println!(
        "security store on .security-7: {anchor} keys (anchor) vs {keys} keys, {OPS} operations each"
    );
    println!(
        "{:<42} {:>16} {:>16} {:>10}",
        "operation",
        format!("{anchor} p50/p99 ms"),
        format!("{keys} p50/p99 ms"),
        "p50 ratio"
    );
    for ((name, a), (_, b)) in small.iter().zip(&large) {
        println!(
            "{:<42} {:>16} {:>16} {:>10.2}",
            name,
            format!("{}/{}", ms(a.p50), ms(a.p99)),
            format!("{}/{}", ms(b.p50), ms(b.p99)),
            b.p50.as_secs_f64() / a.p50.as_secs_f64().max(1e-9)
        );
    }
    println!(
        "filled {} keys and as many tokens in {:.1} s ({:.0} documents/s, {FILL_BATCH} per durable write)",
        keys - anchor,
        fill_time.as_secs_f64(),
        2.0 * (keys - anchor) as f64 / fill_time.as_secs_f64().max(1e-9)
    );
    println!(
        "node start: {loaded} API keys and {loaded_tokens} tokens read back in {:.2} s",
        start_time.as_secs_f64()
    );
    Ok(())
}
