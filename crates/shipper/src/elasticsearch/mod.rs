//! The `elasticsearch` module with `xpack.enabled: true` (Stack Monitoring collection): its
//! block options, the nine metricsets Metricbeat runs in that mode, and one [`Fetcher`] per
//! host and metricset that polls the node's APIs (as `remote_monitoring_user`, with
//! `X-Elastic-Product-Origin: beats`) and maps the answers ([`mapping`]) into documents for
//! `.monitoring-es-8-mb`. Cluster-level metricsets only fetch on the elected master under
//! `scope: node`, so one shipper per node never duplicates them.

pub mod mapping;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::Method;
use serde_json::{Value, json};

use crate::client::{EsClient, tls_config};
use crate::config::{
    OutputConfig, boolean, check_block_keys, invalid, parse_duration, string, string_list,
};
use crate::settings::get;
use crate::{Error, Result};
use mapping::Info;

/// Where Metricbeat 8.x+ writes Stack Monitoring documents (a data stream the node's own
/// `.monitoring-es-8-*` template describes).
pub const MONITORING_INDEX: &str = ".monitoring-es-8-mb";

/// The metricsets of the module in `xpack.enabled` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EsMetricSet {
    /// Cross-cluster replication follower stats.
    Ccr,
    /// Enrich coordinator stats.
    Enrich,
    /// The cluster overview.
    ClusterStats,
    /// Per index.
    Index,
    /// Shard recoveries.
    IndexRecovery,
    /// All-indices totals.
    IndexSummary,
    /// Anomaly detection jobs.
    MlJob,
    /// Per node.
    NodeStats,
    /// Per shard copy.
    Shard,
}

impl EsMetricSet {
    /// The nine metricsets `xpack.enabled: true` runs, in Metricbeat's order.
    pub const XPACK: [EsMetricSet; 9] = [
        EsMetricSet::Ccr,
        EsMetricSet::Enrich,
        EsMetricSet::ClusterStats,
        EsMetricSet::Index,
        EsMetricSet::IndexRecovery,
        EsMetricSet::IndexSummary,
        EsMetricSet::MlJob,
        EsMetricSet::NodeStats,
        EsMetricSet::Shard,
    ];

    /// `metricset.name`.
    pub fn name(self) -> &'static str {
        match self {
            EsMetricSet::Ccr => "ccr",
            EsMetricSet::Enrich => "enrich",
            EsMetricSet::ClusterStats => "cluster_stats",
            EsMetricSet::Index => "index",
            EsMetricSet::IndexRecovery => "index_recovery",
            EsMetricSet::IndexSummary => "index_summary",
            EsMetricSet::MlJob => "ml_job",
            EsMetricSet::NodeStats => "node_stats",
            EsMetricSet::Shard => "shard",
        }
    }

    /// `event.dataset`: the metricset's namespace.
    pub fn dataset(self) -> &'static str {
        match self {
            EsMetricSet::Ccr => "elasticsearch.ccr",
            EsMetricSet::Enrich => "elasticsearch.enrich",
            EsMetricSet::ClusterStats => "elasticsearch.cluster.stats",
            EsMetricSet::Index => "elasticsearch.index",
            EsMetricSet::IndexRecovery => "elasticsearch.index.recovery",
            EsMetricSet::IndexSummary => "elasticsearch.index.summary",
            EsMetricSet::MlJob => "elasticsearch.ml.job",
            EsMetricSet::NodeStats => "elasticsearch.node.stats",
            EsMetricSet::Shard => "elasticsearch.shard",
        }
    }

    /// The metricset named `name`.
    pub fn parse(name: &str) -> Option<EsMetricSet> {
        EsMetricSet::XPACK.into_iter().find(|m| m.name() == name)
    }

    /// Whether it describes the whole cluster (fetched by the master only under `scope: node`).
    pub fn cluster_level(self) -> bool {
        self != EsMetricSet::NodeStats
    }
}

/// `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Each host is one node (default): node stats of that node, cluster data on the master.
    Node,
    /// The host is a cluster endpoint: every node's stats, cluster data always.
    Cluster,
}

/// One validated `module: elasticsearch` block.
#[derive(Debug, Clone)]
pub struct EsModule {
    /// `hosts`, credentials, `ssl.*`, `timeout`, `headers`, in the output's types.
    pub connection: OutputConfig,
    /// `scope`.
    pub scope: Scope,
    /// `index_recovery.active_only` (true).
    pub active_only: bool,
}

const KEYS: &[&str] = &[
    "module",
    "enabled",
    "metricsets",
    "period",
    "hosts",
    "protocol",
    "path",
    "username",
    "password",
    "api_key",
    "timeout",
    "scope",
    "index_recovery.active_only",
    "xpack.enabled",
    "processors",
];

const KEYS_NOT_YET: &[&str] = &[
    "ingest_pipeline",
    "index",
    "fields",
    "tags",
    "query",
    "bearer_token_file",
    "proxy_url",
];

/// Validates a block (`module: elasticsearch`), the metricsets and the connection settings.
/// Relative `ssl` paths are relative to `config_dir`.
pub fn parse_block(
    block: &Value,
    origin: &str,
    config_dir: &Path,
) -> Result<Option<(EsModule, Vec<EsMetricSet>, Duration)>> {
    check_block_keys(
        block,
        "elasticsearch.",
        origin,
        |key| KEYS.contains(&key) || key.starts_with("ssl.") || key.starts_with("headers."),
        |key| KEYS_NOT_YET.contains(&key.split('.').next().unwrap_or("")),
    )?;
    if !boolean(block, "enabled", true)? {
        return Ok(None);
    }
    if !boolean(block, "xpack.enabled", false)? {
        return Err(Error::FeatureNotSupportedYet {
            what: "the elasticsearch module without [xpack.enabled: true] (metricsets writing \
                   to metricbeat-*)"
                .to_string(),
            origin: origin.to_string(),
        });
    }
    // With xpack.enabled Metricbeat replaces the list by its nine; a listed metricset outside
    // them would silently do nothing there, so it is refused here.
    for name in string_list(block, "metricsets")? {
        if EsMetricSet::parse(&name).is_none() {
            return Err(Error::FeatureNotSupportedYet {
                what: format!("metricset [elasticsearch/{name}]"),
                origin: origin.to_string(),
            });
        }
    }
    let period = match get(block, "period") {
        Some(v) => parse_duration(&string(v, "period")?)
            .map_err(|r| invalid("elasticsearch.period", &r))?,
        None => Duration::from_secs(10),
    };
    if period < Duration::from_millis(100) {
        return Err(invalid("elasticsearch.period", "must be at least 100ms"));
    }
    let scope = match get(block, "scope") {
        None => Scope::Node,
        Some(v) => match string(v, "scope")?.as_str() {
            "node" => Scope::Node,
            "cluster" => Scope::Cluster,
            other => {
                return Err(invalid(
                    "elasticsearch.scope",
                    &format!("[{other}] is not node or cluster"),
                ));
            }
        },
    };
    let mut connection = serde_json::Map::new();
    for key in [
        "hosts", "protocol", "path", "username", "password", "api_key", "timeout", "ssl", "headers",
    ] {
        if let Some(v) = block.get(key) {
            connection.insert(key.to_string(), v.clone());
        }
    }
    // Dotted keys (`ssl.verification_mode: none`) arrive expanded already; a missing `hosts`
    // is Metricbeat's default.
    connection
        .entry("hosts")
        .or_insert_with(|| json!(["http://localhost:9200"]));
    connection
        .entry("timeout")
        .or_insert_with(|| json!(period.as_secs_f64().max(1.0).to_string()));
    let wrapped = json!({ "elasticsearch": Value::Object(connection) });
    let connection = crate::config::connection_config(&wrapped, "elasticsearch", config_dir)?;
    Ok(Some((
        EsModule {
            connection,
            scope,
            active_only: boolean(block, "index_recovery.active_only", true)?,
        },
        EsMetricSet::XPACK.to_vec(),
        period,
    )))
}

/// What one fetch gave.
#[derive(Debug)]
pub enum Fetched {
    /// Documents (module and metricset fields; the envelope is added by the caller).
    Documents(Vec<Value>),
    /// Documents and the errors of the parts that could not be mapped.
    Partial(Vec<Value>, Vec<String>),
    /// Nothing to do this time (not the master; the feature is not licensed), with why.
    Skipped(String),
    /// The fetch failed; the reason names the request.
    Failed(String),
}

/// A failed request: its status when there was an answer.
#[derive(Debug)]
struct RequestError {
    status: Option<u16>,
    message: String,
}

/// Polls one host for one metricset.
pub struct Fetcher {
    client: EsClient,
    metricset: EsMetricSet,
    module: Arc<EsModule>,
    license: Option<(Instant, Value)>,
    address: String,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("metricset", &self.metricset)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// Fetchers for every host of `module` and every metricset in `metricsets`.
    pub fn for_module(module: &Arc<EsModule>, metricsets: &[EsMetricSet]) -> Result<Vec<Fetcher>> {
        let tls = tls_config(&module.connection)?;
        let mut out = Vec::new();
        for host in &module.connection.hosts {
            for m in metricsets {
                out.push(Fetcher {
                    client: EsClient::new(host.clone(), &module.connection, tls.clone())?,
                    metricset: *m,
                    module: module.clone(),
                    license: None,
                    address: host.to_string(),
                });
            }
        }
        Ok(out)
    }

    /// The metricset.
    pub fn metricset(&self) -> EsMetricSet {
        self.metricset
    }

    /// `service.address`: the host URL, without credentials.
    pub fn address(&self) -> &str {
        &self.address
    }

    async fn get(&mut self, path: &str) -> std::result::Result<Value, RequestError> {
        let r = self
            .client
            .request(Method::GET, path, None)
            .await
            .map_err(|e| RequestError {
                status: None,
                message: format!("GET {path}: {e}"),
            })?;
        if !r.status.is_success() {
            return Err(RequestError {
                status: Some(r.status.as_u16()),
                message: format!(
                    "GET {path} returned HTTP {} {}",
                    r.status.as_u16(),
                    r.reason()
                ),
            });
        }
        r.json().ok_or_else(|| RequestError {
            status: Some(r.status.as_u16()),
            message: format!("GET {path} did not return JSON"),
        })
    }

    /// `GET /_license`, cached for a minute as Metricbeat does.
    async fn license(&mut self) -> std::result::Result<Value, RequestError> {
        if let Some((at, l)) = &self.license
            && at.elapsed() < Duration::from_secs(60)
        {
            return Ok(l.clone());
        }
        let l = self
            .get("/_license")
            .await?
            .get("license")
            .cloned()
            .unwrap_or(Value::Null);
        self.license = Some((Instant::now(), l.clone()));
        Ok(l)
    }

    /// Whether the connected node is the elected master (`_nodes/_local/nodes` against
    /// `_cluster/state/master_node`).
    async fn is_master(&mut self) -> std::result::Result<bool, RequestError> {
        // Elasticsearch ignores the unknown metric `nodes` and answers the bare node list;
        // a server without that route gets the same question without it.
        let local = match self.get("/_nodes/_local/nodes").await {
            Ok(v) => v,
            Err(RequestError {
                status: Some(400 | 404 | 405),
                ..
            }) => self.get("/_nodes/_local?filter_path=nodes.*.name").await?,
            Err(e) => return Err(e),
        };
        let local_id = local
            .get("nodes")
            .and_then(Value::as_object)
            .and_then(|n| n.keys().next().cloned())
            .ok_or_else(|| RequestError {
                status: None,
                message: "no local node found in GET /_nodes/_local/nodes".to_string(),
            })?;
        let state = self.get("/_cluster/state/master_node").await?;
        Ok(state.get("master_node").and_then(Value::as_str) == Some(local_id.as_str()))
    }

    /// One fetch: never panics and never returns early without saying why.
    pub async fn fetch(&mut self) -> Fetched {
        match self.try_fetch().await {
            Ok(f) => f,
            Err(e) => Fetched::Failed(e.message),
        }
    }

    async fn try_fetch(&mut self) -> std::result::Result<Fetched, RequestError> {
        let root = self.get("/").await?;
        let info = Info::parse(&root).ok_or_else(|| RequestError {
            status: None,
            message: "GET / did not return an Elasticsearch cluster name, uuid and version"
                .to_string(),
        })?;
        let node_scope = self.module.scope == Scope::Node;
        if self.metricset.cluster_level() && node_scope && !self.is_master().await? {
            return Ok(Fetched::Skipped(
                "the node is not the elected master (scope: node)".to_string(),
            ));
        }
        let mapped = match self.metricset {
            EsMetricSet::NodeStats => {
                let which = if node_scope { "_local" } else { "_all" };
                let stats = self
                    .get(&format!(
                        "/_nodes/{which}/stats/jvm,indices,fs,os,process,transport,thread_pool,\
                         indexing_pressure,ingest/bulk,docs,get,merge,translog,fielddata,indexing,\
                         query_cache,request_cache,search,shard_stats,store,segments,refresh,flush"
                    ))
                    .await?;
                let master = self.get("/_nodes/_master?filter_path=nodes.*.name").await?;
                let master_id = master
                    .get("nodes")
                    .and_then(Value::as_object)
                    .and_then(|n| n.keys().next().cloned())
                    .unwrap_or_default();
                let mut mlock = std::collections::HashMap::new();
                let ids: Vec<String> = stats
                    .get("nodes")
                    .and_then(Value::as_object)
                    .map(|n| n.keys().cloned().collect())
                    .unwrap_or_default();
                for id in ids {
                    let v = self
                        .get(&format!(
                            "/_nodes/{id}?filter_path=nodes.*.process.mlockall"
                        ))
                        .await?;
                    let on = v
                        .get("nodes")
                        .and_then(Value::as_object)
                        .and_then(|n| n.values().next())
                        .and_then(|n| n.pointer("/process/mlockall"))
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    mlock.insert(id, on);
                }
                mapping::node_stats(&info, &stats, &master_id, &|id| {
                    mlock.get(id).copied().unwrap_or(false)
                })
            }
            EsMetricSet::ClusterStats => {
                let stats = self.get("/_cluster/stats").await?;
                let license = self.license().await?;
                let state = self
                    .get("/_cluster/state/version,master_node,nodes,routing_table")
                    .await?;
                let usage = self.get("/_xpack/usage").await?;
                let settings = self
                    .get("/_cluster/settings?include_defaults=true&filter_path=*.cluster.metadata.display_name")
                    .await?;
                mapping::cluster_stats(
                    &info,
                    &mapping::ClusterStatsInputs {
                        stats: &stats,
                        license: &license,
                        state: &state,
                        usage: &usage,
                        settings: &settings,
                    },
                )
            }
            EsMetricSet::Index => {
                let stats = self
                    .get("/_stats/docs,fielddata,indexing,merge,search,segments,store,refresh,query_cache,request_cache,bulk?filter_path=indices&expand_wildcards=open,hidden")
                    .await?;
                let state = self.get("/_cluster/state/routing_table").await?;
                let settings = self
                    .get("/*/_settings?filter_path=*.settings.index.hidden&expand_wildcards=all")
                    .await?;
                let (docs, errors) = mapping::index(&info, &stats, &state, &settings);
                return Ok(if errors.is_empty() {
                    Fetched::Documents(docs)
                } else {
                    Fetched::Partial(docs, errors)
                });
            }
            EsMetricSet::IndexSummary => {
                let stats = self.get("/_stats").await?;
                mapping::index_summary(&info, &stats)
            }
            EsMetricSet::IndexRecovery => {
                let path = if self.module.active_only {
                    "/_recovery?active_only=true"
                } else {
                    "/_recovery"
                };
                let recovery = self.get(path).await?;
                mapping::index_recovery(&info, &recovery)
            }
            EsMetricSet::Shard => {
                let state = self
                    .get("/_cluster/state/version,nodes,master_node,routing_table")
                    .await?;
                mapping::shards(&info, &state)
            }
            EsMetricSet::Ccr => {
                let license = self.license().await?;
                let kind = license.get("type").and_then(Value::as_str).unwrap_or("");
                if !["trial", "platinum", "enterprise"].contains(&kind) {
                    return Ok(Fetched::Skipped(format!(
                        "the CCR feature is available with a platinum Elasticsearch license. \
                         You currently have a {kind} license. Either upgrade your license or \
                         remove the ccr metricset from your Elasticsearch module configuration."
                    )));
                }
                let xpack = self.get("/_xpack").await?;
                if xpack
                    .pointer("/features/ccr/enabled")
                    .and_then(Value::as_bool)
                    != Some(true)
                {
                    return Ok(Fetched::Skipped(
                        "the CCR feature is not enabled on your Elasticsearch cluster.".to_string(),
                    ));
                }
                let stats = self.get("/_ccr/stats").await?;
                mapping::ccr(&info, &stats)
            }
            EsMetricSet::Enrich => {
                let stats = self.get("/_enrich/_stats").await?;
                mapping::enrich(&info, &stats)
            }
            EsMetricSet::MlJob => match self.get("/_ml/anomaly_detectors/_all/_stats").await {
                Ok(stats) => mapping::ml_jobs(&info, &stats),
                // Under a basic licence machine learning answers 403 (non-compliant licence);
                // there are no jobs to report, which is not an error.
                Err(RequestError {
                    status: Some(403 | 404),
                    message,
                }) => return Ok(Fetched::Skipped(message)),
                Err(e) => return Err(e),
            },
        };
        Ok(match mapped {
            Ok(docs) => Fetched::Documents(docs),
            Err(e) => Fetched::Failed(format!("{}: {e}", self.metricset.name())),
        })
    }
}

/// One fetch as documents ready for the pipeline.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Monitoring documents (with `@metadata.index`), and an error event when the fetch failed.
    pub documents: Vec<Value>,
    /// Why the fetch (or part of it) failed.
    pub error: Option<String>,
    /// Why nothing was fetched this time.
    pub skipped: Option<String>,
}

/// Puts the envelope around a fetch's documents. A failure becomes Metricbeat's error event
/// (`error.message`, no `@metadata.index`: it goes to the output's index, not to the
/// monitoring data stream, where a document without metrics would show as zeros).
pub fn outcome(
    metricset: EsMetricSet,
    address: &str,
    agent: &crate::event::AgentInfo,
    period_ms: u64,
    timestamp: jiff::Timestamp,
    duration_ns: u64,
    fetched: Fetched,
) -> Outcome {
    let source = crate::event::Source {
        module: "elasticsearch",
        metricset: metricset.name(),
        dataset: metricset.dataset(),
        address: Some(address),
    };
    let wrap = |fields: std::result::Result<Value, String>| {
        crate::event::document_for(&source, agent, period_ms, timestamp, duration_ns, fields)
    };
    let monitoring = |docs: Vec<Value>| -> Vec<Value> {
        docs.into_iter()
            .map(|d| {
                let mut d = wrap(Ok(d));
                mapping::put(&mut d, "@metadata.index", json!(MONITORING_INDEX));
                d
            })
            .collect()
    };
    match fetched {
        Fetched::Documents(docs) => Outcome {
            documents: monitoring(docs),
            ..Outcome::default()
        },
        Fetched::Partial(docs, errors) => {
            let message = errors.join("; ");
            let mut documents = monitoring(docs);
            documents.push(wrap(Err(message.clone())));
            Outcome {
                documents,
                error: Some(message),
                skipped: None,
            }
        }
        Fetched::Skipped(reason) => Outcome {
            skipped: Some(reason),
            ..Outcome::default()
        },
        Fetched::Failed(message) => Outcome {
            documents: vec![wrap(Err(message.clone()))],
            error: Some(message),
            skipped: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent() -> crate::event::AgentInfo {
        crate::event::AgentInfo {
            name: "web-1".into(),
            id: "a".into(),
            ephemeral_id: "e".into(),
            host: json!({}),
        }
    }

    fn run(fetched: Fetched) -> Outcome {
        let t: jiff::Timestamp = "2025-01-30T10:00:00Z".parse().unwrap();
        outcome(
            EsMetricSet::Index,
            "https://es:9200",
            &agent(),
            10_000,
            t,
            7,
            fetched,
        )
    }

    #[test]
    fn outcomes_become_documents_errors_or_nothing() {
        let doc = json!({"elasticsearch": {"index": {"name": "logs"}}});
        let ok = run(Fetched::Documents(vec![doc.clone()]));
        assert!(ok.error.is_none() && ok.skipped.is_none());
        assert_eq!(ok.documents[0]["@metadata"]["index"], MONITORING_INDEX);
        assert_eq!(ok.documents[0]["event"]["dataset"], "elasticsearch.index");
        assert_eq!(ok.documents[0]["event"]["duration"], 7);
        assert_eq!(ok.documents[0]["elasticsearch"]["index"]["name"], "logs");

        let partial = run(Fetched::Partial(vec![doc], vec!["index [gone] ...".into()]));
        assert_eq!(partial.documents.len(), 2);
        assert_eq!(partial.error.as_deref(), Some("index [gone] ..."));
        let error_event = &partial.documents[1];
        assert_eq!(error_event["error"]["message"], "index [gone] ...");
        assert!(error_event.get("@metadata").is_none());
        assert_eq!(error_event["service"]["address"], "https://es:9200");

        let skipped = run(Fetched::Skipped("not the master".into()));
        assert!(skipped.documents.is_empty() && skipped.error.is_none());
        assert_eq!(skipped.skipped.as_deref(), Some("not the master"));
    }
}
