//! The templates the node installs for Stack Monitoring at start, as Elasticsearch's
//! `MonitoringTemplateRegistry` does: the ILM policy `.monitoring-8-ilm-policy`, the
//! data-stream templates Metricbeat writes through (`.monitoring-{es,beats,kibana}-mb` for
//! `.monitoring-*-8-*`), and the templates of the older index format Beats' own
//! self-monitoring still writes (`.monitoring-{es,beats}` for `.monitoring-*-7-*`).
//!
//! The mappings are `dynamic: false` and map the fields Stack Monitoring reads (not every field
//! of Elasticsearch's templates): the ECS paths Metricbeat writes, and, in the `-mb`
//! templates, the legacy names Kibana queries as `alias` fields pointing at them, named and
//! typed as in Elasticsearch's `monitoring-*-mb.json`. The `-7`
//! templates map the legacy names as real fields, with the same types. Elasticsearch keeps
//! the `-7` ones as legacy templates; the store has composable templates only, so they are
//! composable templates with the same names, patterns and contents.
//!
//! Each template carries a version and `_meta.managed: true`. At start a template that is
//! missing or older than the node's is (re)installed; one at the node's version or newer is
//! left alone, so restarts change nothing. The policy is installed when missing. A request
//! that deletes a managed template, or replaces it with an older version, sees it put back
//! at once (`restore`), as the registry does.

use ironstack_store::StoreError;
use ironstack_store::service::StoreService;
use serde_json::{Map, Value, json};

/// The ILM policy of the `-8` data streams.
pub(crate) const POLICY_NAME: &str = ".monitoring-8-ilm-policy";
/// The version of the `-mb` templates (Elasticsearch's `STACK_MONITORING_REGISTRY_VERSION`
/// scheme: 8.0.0's id + 1; raise it when their content changes).
pub(crate) const STACK_VERSION: i64 = 8_000_099 + 1;
/// The version of the `-7` templates (Elasticsearch's `REGISTRY_VERSION`: 8.1.0's id).
pub(crate) const LEGACY_VERSION: i64 = 8_010_099;

/// One mapped field: its dotted path and either a type or, with a leading `@`, the path an
/// `alias` field points to.
type Field = (&'static str, &'static str);

/// Fields every `.monitoring-es-8-*` document may carry (spec §5.3).
// One field per line (here and in the tables below): they read as the mappings they make.
#[rustfmt::skip]
const ES_FIELDS: &[Field] = &[
    ("@timestamp", "date"),
    ("timestamp", "@@timestamp"),
    ("data_stream.type", "keyword"),
    ("data_stream.dataset", "keyword"),
    ("data_stream.namespace", "keyword"),
    ("ecs.version", "keyword"),
    ("host.name", "keyword"),
    ("agent.id", "keyword"),
    ("agent.ephemeral_id", "keyword"),
    ("agent.name", "keyword"),
    ("agent.type", "keyword"),
    ("agent.version", "keyword"),
    ("event.dataset", "keyword"),
    ("event.module", "keyword"),
    ("event.duration", "long"),
    ("metricset.name", "keyword"),
    ("metricset.period", "long"),
    ("service.name", "keyword"),
    ("service.type", "keyword"),
    ("service.address", "keyword"),
    ("elasticsearch.cluster.id", "keyword"),
    ("elasticsearch.cluster.name", "keyword"),
    ("elasticsearch.version", "keyword"),
    ("cluster_uuid", "@elasticsearch.cluster.id"),
    ("cluster_settings.cluster.metadata.display_name", "keyword"),
    // node_stats
    ("elasticsearch.node.id", "keyword"),
    ("elasticsearch.node.name", "keyword"),
    ("elasticsearch.node.master", "boolean"),
    ("elasticsearch.node.mlockall", "boolean"),
    ("source_node.uuid", "@elasticsearch.node.id"),
    ("source_node.name", "@elasticsearch.node.name"),
    ("node_stats.node_id", "@elasticsearch.node.id"),
    ("elasticsearch.node.stats.jvm.mem.heap.used.bytes", "long"),
    ("elasticsearch.node.stats.jvm.mem.heap.max.bytes", "long"),
    ("elasticsearch.node.stats.jvm.mem.heap.used.pct", "double"),
    ("node_stats.jvm.mem.heap_used_in_bytes", "@elasticsearch.node.stats.jvm.mem.heap.used.bytes"),
    ("node_stats.jvm.mem.heap_max_in_bytes", "@elasticsearch.node.stats.jvm.mem.heap.max.bytes"),
    ("node_stats.jvm.mem.heap_used_percent", "@elasticsearch.node.stats.jvm.mem.heap.used.pct"),
    ("elasticsearch.node.stats.jvm.gc.collectors.young.collection.count", "long"),
    ("elasticsearch.node.stats.jvm.gc.collectors.young.collection.ms", "long"),
    ("elasticsearch.node.stats.jvm.gc.collectors.old.collection.count", "long"),
    ("elasticsearch.node.stats.jvm.gc.collectors.old.collection.ms", "long"),
    ("node_stats.jvm.gc.collectors.young.collection_count", "@elasticsearch.node.stats.jvm.gc.collectors.young.collection.count"),
    ("node_stats.jvm.gc.collectors.young.collection_time_in_millis", "@elasticsearch.node.stats.jvm.gc.collectors.young.collection.ms"),
    ("node_stats.jvm.gc.collectors.old.collection_count", "@elasticsearch.node.stats.jvm.gc.collectors.old.collection.count"),
    ("node_stats.jvm.gc.collectors.old.collection_time_in_millis", "@elasticsearch.node.stats.jvm.gc.collectors.old.collection.ms"),
    ("elasticsearch.node.stats.indices.docs.count", "long"),
    ("elasticsearch.node.stats.indices.docs.deleted", "long"),
    ("node_stats.indices.docs.count", "@elasticsearch.node.stats.indices.docs.count"),
    ("elasticsearch.node.stats.indices.store.size.bytes", "long"),
    ("node_stats.indices.store.size_in_bytes", "@elasticsearch.node.stats.indices.store.size.bytes"),
    ("node_stats.indices.store.size.bytes", "@elasticsearch.node.stats.indices.store.size.bytes"),
    ("elasticsearch.node.stats.indices.indexing.index_total.count", "long"),
    ("elasticsearch.node.stats.indices.indexing.index_time.ms", "long"),
    ("elasticsearch.node.stats.indices.indexing.throttle_time.ms", "long"),
    ("node_stats.indices.indexing.index_total", "@elasticsearch.node.stats.indices.indexing.index_total.count"),
    ("node_stats.indices.indexing.index_time_in_millis", "@elasticsearch.node.stats.indices.indexing.index_time.ms"),
    ("node_stats.indices.indexing.throttle_time_in_millis", "@elasticsearch.node.stats.indices.indexing.throttle_time.ms"),
    ("elasticsearch.node.stats.indices.search.query_total.count", "long"),
    ("elasticsearch.node.stats.indices.search.query_time.ms", "long"),
    ("node_stats.indices.search.query_total", "@elasticsearch.node.stats.indices.search.query_total.count"),
    ("node_stats.indices.search.query_time_in_millis", "@elasticsearch.node.stats.indices.search.query_time.ms"),
    ("elasticsearch.node.stats.indices.segments.count", "long"),
    ("elasticsearch.node.stats.indices.segments.memory.bytes", "long"),
    ("node_stats.indices.segments.count", "@elasticsearch.node.stats.indices.segments.count"),
    ("node_stats.indices.segments.memory_in_bytes", "@elasticsearch.node.stats.indices.segments.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.terms.memory.bytes", "long"),
    ("node_stats.indices.segments.terms_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.terms.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.stored_fields.memory.bytes", "long"),
    ("node_stats.indices.segments.stored_fields_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.stored_fields.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.term_vectors.memory.bytes", "long"),
    ("node_stats.indices.segments.term_vectors_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.term_vectors.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.norms.memory.bytes", "long"),
    ("node_stats.indices.segments.norms_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.norms.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.points.memory.bytes", "long"),
    ("node_stats.indices.segments.points_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.points.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.doc_values.memory.bytes", "long"),
    ("node_stats.indices.segments.doc_values_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.doc_values.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.index_writer.memory.bytes", "long"),
    ("node_stats.indices.segments.index_writer_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.index_writer.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.version_map.memory.bytes", "long"),
    ("node_stats.indices.segments.version_map_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.version_map.memory.bytes"),
    ("elasticsearch.node.stats.indices.segments.fixed_bit_set.memory.bytes", "long"),
    ("node_stats.indices.segments.fixed_bit_set_memory_in_bytes", "@elasticsearch.node.stats.indices.segments.fixed_bit_set.memory.bytes"),
    ("elasticsearch.node.stats.indices.fielddata.memory.bytes", "long"),
    ("elasticsearch.node.stats.indices.query_cache.memory.bytes", "long"),
    ("elasticsearch.node.stats.indices.request_cache.memory.bytes", "long"),
    ("node_stats.indices.fielddata.memory_size_in_bytes", "@elasticsearch.node.stats.indices.fielddata.memory.bytes"),
    ("node_stats.indices.query_cache.memory_size_in_bytes", "@elasticsearch.node.stats.indices.query_cache.memory.bytes"),
    ("node_stats.indices.request_cache.memory_size_in_bytes", "@elasticsearch.node.stats.indices.request_cache.memory.bytes"),
    ("elasticsearch.node.stats.indices.bulk.operations.total.count", "long"),
    ("elasticsearch.node.stats.indices.bulk.total_time.ms", "long"),
    ("elasticsearch.node.stats.indices.bulk.total_size.bytes", "long"),
    ("elasticsearch.node.stats.indices.bulk.avg_time.ms", "long"),
    ("elasticsearch.node.stats.indices.bulk.avg_size.bytes", "long"),
    ("elasticsearch.node.stats.fs.summary.total.bytes", "long"),
    ("elasticsearch.node.stats.fs.summary.free.bytes", "long"),
    ("elasticsearch.node.stats.fs.summary.available.bytes", "long"),
    ("node_stats.fs.total.total_in_bytes", "@elasticsearch.node.stats.fs.summary.total.bytes"),
    ("node_stats.fs.total.available_in_bytes", "@elasticsearch.node.stats.fs.summary.available.bytes"),
    ("elasticsearch.node.stats.fs.io_stats.total.operations.count", "long"),
    ("elasticsearch.node.stats.fs.io_stats.total.read.operations.count", "long"),
    ("elasticsearch.node.stats.fs.io_stats.total.write.operations.count", "long"),
    ("node_stats.fs.io_stats.total.operations", "@elasticsearch.node.stats.fs.io_stats.total.operations.count"),
    ("node_stats.fs.io_stats.total.read_operations", "@elasticsearch.node.stats.fs.io_stats.total.read.operations.count"),
    ("node_stats.fs.io_stats.total.write_operations", "@elasticsearch.node.stats.fs.io_stats.total.write.operations.count"),
    ("elasticsearch.node.stats.os.cpu.load_avg.1m", "double"),
    ("node_stats.os.cpu.load_average.1m", "@elasticsearch.node.stats.os.cpu.load_avg.1m"),
    ("elasticsearch.node.stats.os.cgroup.cpuacct.usage.ns", "long"),
    ("elasticsearch.node.stats.os.cgroup.cpu.cfs.quota.us", "long"),
    ("elasticsearch.node.stats.os.cgroup.cpu.stat.elapsed_periods.count", "long"),
    ("elasticsearch.node.stats.os.cgroup.cpu.stat.times_throttled.count", "long"),
    ("elasticsearch.node.stats.os.cgroup.cpu.stat.time_throttled.ns", "long"),
    ("elasticsearch.node.stats.os.cgroup.memory.control_group", "keyword"),
    ("elasticsearch.node.stats.os.cgroup.memory.limit.bytes", "keyword"),
    ("elasticsearch.node.stats.os.cgroup.memory.usage.bytes", "keyword"),
    ("node_stats.os.cgroup.cpuacct.usage_nanos", "@elasticsearch.node.stats.os.cgroup.cpuacct.usage.ns"),
    ("node_stats.os.cgroup.cpu.cfs_quota_micros", "@elasticsearch.node.stats.os.cgroup.cpu.cfs.quota.us"),
    ("node_stats.os.cgroup.cpu.stat.number_of_elapsed_periods", "@elasticsearch.node.stats.os.cgroup.cpu.stat.elapsed_periods.count"),
    ("node_stats.os.cgroup.cpu.stat.number_of_times_throttled", "@elasticsearch.node.stats.os.cgroup.cpu.stat.times_throttled.count"),
    ("node_stats.os.cgroup.cpu.stat.time_throttled_nanos", "@elasticsearch.node.stats.os.cgroup.cpu.stat.time_throttled.ns"),
    ("node_stats.os.cgroup.memory.control_group", "@elasticsearch.node.stats.os.cgroup.memory.control_group"),
    ("node_stats.os.cgroup.memory.limit_in_bytes", "@elasticsearch.node.stats.os.cgroup.memory.limit.bytes"),
    ("node_stats.os.cgroup.memory.usage_in_bytes", "@elasticsearch.node.stats.os.cgroup.memory.usage.bytes"),
    ("elasticsearch.node.stats.process.cpu.pct", "double"),
    ("node_stats.process.cpu.percent", "@elasticsearch.node.stats.process.cpu.pct"),
    ("elasticsearch.node.stats.thread_pool.write.queue.count", "long"),
    ("elasticsearch.node.stats.thread_pool.write.rejected.count", "long"),
    ("elasticsearch.node.stats.thread_pool.search.queue.count", "long"),
    ("elasticsearch.node.stats.thread_pool.search.rejected.count", "long"),
    ("elasticsearch.node.stats.thread_pool.get.queue.count", "long"),
    ("elasticsearch.node.stats.thread_pool.get.rejected.count", "long"),
    ("node_stats.thread_pool.write.queue", "@elasticsearch.node.stats.thread_pool.write.queue.count"),
    ("node_stats.thread_pool.write.rejected", "@elasticsearch.node.stats.thread_pool.write.rejected.count"),
    ("node_stats.thread_pool.search.queue", "@elasticsearch.node.stats.thread_pool.search.queue.count"),
    ("node_stats.thread_pool.search.rejected", "@elasticsearch.node.stats.thread_pool.search.rejected.count"),
    ("node_stats.thread_pool.get.queue", "@elasticsearch.node.stats.thread_pool.get.queue.count"),
    ("node_stats.thread_pool.get.rejected", "@elasticsearch.node.stats.thread_pool.get.rejected.count"),
    ("elasticsearch.node.stats.thread_pool.index.queue.count", "long"),
    ("node_stats.thread_pool.index.queue", "@elasticsearch.node.stats.thread_pool.index.queue.count"),
    ("elasticsearch.node.stats.thread_pool.index.rejected.count", "long"),
    ("node_stats.thread_pool.index.rejected", "@elasticsearch.node.stats.thread_pool.index.rejected.count"),
    ("elasticsearch.node.stats.thread_pool.bulk.queue.count", "long"),
    ("node_stats.thread_pool.bulk.queue", "@elasticsearch.node.stats.thread_pool.bulk.queue.count"),
    ("elasticsearch.node.stats.thread_pool.bulk.rejected.count", "long"),
    ("node_stats.thread_pool.bulk.rejected", "@elasticsearch.node.stats.thread_pool.bulk.rejected.count"),
    ("elasticsearch.node.stats.indexing_pressure.memory.current.all.bytes", "long"),
    ("elasticsearch.node.stats.indexing_pressure.memory.current.combined_coordinating_and_primary.bytes", "long"),
    ("elasticsearch.node.stats.indexing_pressure.memory.total.coordinating.rejections", "long"),
    ("elasticsearch.node.stats.indexing_pressure.memory.total.primary.rejections", "long"),
    ("elasticsearch.node.stats.indexing_pressure.memory.limit_in_bytes", "long"),
    ("elasticsearch.node.stats.ingest.total.count", "long"),
    ("elasticsearch.node.stats.ingest.total.time_in_millis", "long"),
    ("elasticsearch.node.stats.ingest.total.current", "long"),
    ("elasticsearch.node.stats.ingest.total.failed", "long"),
    // cluster_stats
    ("elasticsearch.cluster.stats.status", "keyword"),
    ("cluster_state.status", "@elasticsearch.cluster.stats.status"),
    ("elasticsearch.cluster.stats.nodes.count", "long"),
    ("elasticsearch.cluster.stats.nodes.master", "long"),
    ("elasticsearch.cluster.stats.nodes.data", "long"),
    ("elasticsearch.cluster.stats.nodes.versions", "keyword"),
    ("elasticsearch.cluster.stats.nodes.fs.total.bytes", "long"),
    ("elasticsearch.cluster.stats.nodes.fs.available.bytes", "long"),
    ("elasticsearch.cluster.stats.nodes.jvm.max_uptime.ms", "long"),
    ("elasticsearch.cluster.stats.nodes.jvm.memory.heap.used.bytes", "long"),
    ("elasticsearch.cluster.stats.nodes.jvm.memory.heap.max.bytes", "long"),
    ("cluster_stats.nodes.count.total", "@elasticsearch.cluster.stats.nodes.count"),
    ("cluster_stats.nodes.versions", "@elasticsearch.cluster.stats.nodes.versions"),
    ("cluster_stats.nodes.fs.total_in_bytes", "@elasticsearch.cluster.stats.nodes.fs.total.bytes"),
    ("cluster_stats.nodes.fs.available_in_bytes", "@elasticsearch.cluster.stats.nodes.fs.available.bytes"),
    ("cluster_stats.nodes.jvm.max_uptime_in_millis", "@elasticsearch.cluster.stats.nodes.jvm.max_uptime.ms"),
    ("cluster_stats.nodes.jvm.mem.heap_used_in_bytes", "@elasticsearch.cluster.stats.nodes.jvm.memory.heap.used.bytes"),
    ("cluster_stats.nodes.jvm.mem.heap_max_in_bytes", "@elasticsearch.cluster.stats.nodes.jvm.memory.heap.max.bytes"),
    ("elasticsearch.cluster.stats.indices.total", "long"),
    ("elasticsearch.cluster.stats.indices.docs.total", "long"),
    ("elasticsearch.cluster.stats.indices.shards.count", "long"),
    ("elasticsearch.cluster.stats.indices.shards.primaries", "long"),
    ("elasticsearch.cluster.stats.indices.store.size.bytes", "long"),
    ("elasticsearch.cluster.stats.indices.store.total_data_set_size.bytes", "long"),
    ("elasticsearch.cluster.stats.indices.fielddata.memory.bytes", "long"),
    ("cluster_stats.indices.count", "@elasticsearch.cluster.stats.indices.total"),
    ("cluster_stats.indices.docs.count", "@elasticsearch.cluster.stats.indices.docs.total"),
    ("cluster_stats.indices.shards.total", "@elasticsearch.cluster.stats.indices.shards.count"),
    ("cluster_stats.indices.shards.primaries", "@elasticsearch.cluster.stats.indices.shards.primaries"),
    ("cluster_stats.indices.store.size_in_bytes", "@elasticsearch.cluster.stats.indices.store.size.bytes"),
    ("cluster_stats.indices.fielddata.memory_size_in_bytes", "@elasticsearch.cluster.stats.indices.fielddata.memory.bytes"),
    ("elasticsearch.cluster.stats.license.status", "keyword"),
    ("elasticsearch.cluster.stats.license.type", "keyword"),
    ("elasticsearch.cluster.stats.license.uid", "keyword"),
    ("elasticsearch.cluster.stats.license.issuer", "keyword"),
    ("elasticsearch.cluster.stats.license.issued_to", "keyword"),
    ("elasticsearch.cluster.stats.license.issue_date", "date"),
    ("elasticsearch.cluster.stats.license.expiry_date", "date"),
    ("elasticsearch.cluster.stats.license.expiry_date_in_millis", "long"),
    ("elasticsearch.cluster.stats.license.max_nodes", "long"),
    ("elasticsearch.cluster.stats.license.cluster_needs_tls", "boolean"),
    ("license.status", "@elasticsearch.cluster.stats.license.status"),
    ("license.type", "@elasticsearch.cluster.stats.license.type"),
    ("elasticsearch.cluster.stats.state.master_node", "keyword"),
    ("elasticsearch.cluster.stats.state.state_uuid", "keyword"),
    ("elasticsearch.cluster.stats.state.nodes_hash", "keyword"),
    ("elasticsearch.cluster.stats.state.version", "keyword"),
    ("elasticsearch.cluster.stats.version", "keyword"),
    ("cluster_state.master_node", "@elasticsearch.cluster.stats.state.master_node"),
    ("cluster_state.state_uuid", "@elasticsearch.cluster.stats.state.state_uuid"),
    ("cluster_state.nodes_hash", "@elasticsearch.cluster.stats.state.nodes_hash"),
    ("cluster_state.version", "@elasticsearch.cluster.stats.state.version"),
    ("elasticsearch.cluster.stats.stack.xpack.ccr.available", "boolean"),
    ("elasticsearch.cluster.stats.stack.xpack.ccr.enabled", "boolean"),
    ("elasticsearch.cluster.stats.stack.apm.found", "boolean"),
    ("stack_stats.xpack.ccr.available", "@elasticsearch.cluster.stats.stack.xpack.ccr.available"),
    ("stack_stats.xpack.ccr.enabled", "@elasticsearch.cluster.stats.stack.xpack.ccr.enabled"),
    ("stack_stats.apm.found", "@elasticsearch.cluster.stats.stack.apm.found"),
    // index
    ("elasticsearch.index.name", "keyword"),
    ("elasticsearch.index.uuid", "keyword"),
    ("elasticsearch.index.status", "keyword"),
    ("elasticsearch.index.hidden", "boolean"),
    ("index_stats.index", "@elasticsearch.index.name"),
    ("elasticsearch.index.shards.total", "long"),
    ("elasticsearch.index.shards.primaries", "long"),
    ("elasticsearch.index.shards.replicas", "long"),
    ("elasticsearch.index.shards.active_total", "long"),
    ("elasticsearch.index.shards.active_primaries", "long"),
    ("elasticsearch.index.shards.active_replicas", "long"),
    ("elasticsearch.index.shards.unassigned_total", "long"),
    ("elasticsearch.index.shards.unassigned_primaries", "long"),
    ("elasticsearch.index.shards.unassigned_replicas", "long"),
    ("elasticsearch.index.shards.initializing", "long"),
    ("elasticsearch.index.shards.relocating", "long"),
    ("elasticsearch.index.primaries.docs.count", "long"),
    ("elasticsearch.index.primaries.store.size_in_bytes", "long"),
    ("elasticsearch.index.primaries.indexing.index_total", "long"),
    ("elasticsearch.index.primaries.indexing.index_time_in_millis", "long"),
    ("elasticsearch.index.primaries.indexing.throttle_time_in_millis", "long"),
    ("elasticsearch.index.primaries.search.query_total", "long"),
    ("elasticsearch.index.primaries.search.query_time_in_millis", "long"),
    ("elasticsearch.index.primaries.segments.count", "long"),
    ("elasticsearch.index.primaries.merges.total_size_in_bytes", "long"),
    ("elasticsearch.index.primaries.refresh.total_time_in_millis", "long"),
    ("elasticsearch.index.total.docs.count", "long"),
    ("elasticsearch.index.total.store.size_in_bytes", "long"),
    ("elasticsearch.index.total.indexing.index_total", "long"),
    ("elasticsearch.index.total.indexing.index_time_in_millis", "long"),
    ("elasticsearch.index.total.indexing.throttle_time_in_millis", "long"),
    ("elasticsearch.index.total.search.query_total", "long"),
    ("elasticsearch.index.total.search.query_time_in_millis", "long"),
    ("elasticsearch.index.total.segments.count", "long"),
    ("elasticsearch.index.total.segments.memory_in_bytes", "long"),
    ("elasticsearch.index.total.merges.total_size_in_bytes", "long"),
    ("elasticsearch.index.total.refresh.total_time_in_millis", "long"),
    ("elasticsearch.index.total.fielddata.memory_size_in_bytes", "long"),
    ("elasticsearch.index.total.query_cache.memory_size_in_bytes", "long"),
    ("elasticsearch.index.total.request_cache.memory_size_in_bytes", "long"),
    ("index_stats.primaries.docs.count", "@elasticsearch.index.primaries.docs.count"),
    ("index_stats.primaries.store.size_in_bytes", "@elasticsearch.index.primaries.store.size_in_bytes"),
    ("index_stats.primaries.indexing.index_total", "@elasticsearch.index.primaries.indexing.index_total"),
    ("index_stats.primaries.indexing.index_time_in_millis", "@elasticsearch.index.primaries.indexing.index_time_in_millis"),
    ("index_stats.primaries.indexing.throttle_time_in_millis", "@elasticsearch.index.primaries.indexing.throttle_time_in_millis"),
    ("index_stats.primaries.segments.count", "@elasticsearch.index.primaries.segments.count"),
    ("index_stats.primaries.merges.total_size_in_bytes", "@elasticsearch.index.primaries.merges.total_size_in_bytes"),
    ("index_stats.primaries.refresh.total_time_in_millis", "@elasticsearch.index.primaries.refresh.total_time_in_millis"),
    ("index_stats.total.docs.count", "@elasticsearch.index.total.docs.count"),
    ("index_stats.total.store.size_in_bytes", "@elasticsearch.index.total.store.size_in_bytes"),
    ("index_stats.total.indexing.index_total", "@elasticsearch.index.total.indexing.index_total"),
    ("index_stats.total.indexing.index_time_in_millis", "@elasticsearch.index.total.indexing.index_time_in_millis"),
    ("index_stats.total.indexing.throttle_time_in_millis", "@elasticsearch.index.total.indexing.throttle_time_in_millis"),
    ("index_stats.total.search.query_total", "@elasticsearch.index.total.search.query_total"),
    ("index_stats.total.search.query_time_in_millis", "@elasticsearch.index.total.search.query_time_in_millis"),
    ("index_stats.total.segments.count", "@elasticsearch.index.total.segments.count"),
    ("index_stats.total.segments.memory_in_bytes", "@elasticsearch.index.total.segments.memory_in_bytes"),
    ("elasticsearch.index.total.segments.terms_memory_in_bytes", "long"),
    ("index_stats.total.segments.terms_memory_in_bytes", "@elasticsearch.index.total.segments.terms_memory_in_bytes"),
    ("elasticsearch.index.total.segments.stored_fields_memory_in_bytes", "long"),
    ("index_stats.total.segments.stored_fields_memory_in_bytes", "@elasticsearch.index.total.segments.stored_fields_memory_in_bytes"),
    ("elasticsearch.index.total.segments.term_vectors_memory_in_bytes", "long"),
    ("index_stats.total.segments.term_vectors_memory_in_bytes", "@elasticsearch.index.total.segments.term_vectors_memory_in_bytes"),
    ("elasticsearch.index.total.segments.norms_memory_in_bytes", "long"),
    ("index_stats.total.segments.norms_memory_in_bytes", "@elasticsearch.index.total.segments.norms_memory_in_bytes"),
    ("elasticsearch.index.total.segments.points_memory_in_bytes", "long"),
    ("index_stats.total.segments.points_memory_in_bytes", "@elasticsearch.index.total.segments.points_memory_in_bytes"),
    ("elasticsearch.index.total.segments.doc_values_memory_in_bytes", "long"),
    ("index_stats.total.segments.doc_values_memory_in_bytes", "@elasticsearch.index.total.segments.doc_values_memory_in_bytes"),
    ("elasticsearch.index.total.segments.index_writer_memory_in_bytes", "long"),
    ("index_stats.total.segments.index_writer_memory_in_bytes", "@elasticsearch.index.total.segments.index_writer_memory_in_bytes"),
    ("elasticsearch.index.total.segments.version_map_memory_in_bytes", "long"),
    ("index_stats.total.segments.version_map_memory_in_bytes", "@elasticsearch.index.total.segments.version_map_memory_in_bytes"),
    ("elasticsearch.index.total.segments.fixed_bit_set_memory_in_bytes", "long"),
    ("index_stats.total.segments.fixed_bit_set_memory_in_bytes", "@elasticsearch.index.total.segments.fixed_bit_set_memory_in_bytes"),
    ("index_stats.total.merges.total_size_in_bytes", "@elasticsearch.index.total.merges.total_size_in_bytes"),
    ("index_stats.total.refresh.total_time_in_millis", "@elasticsearch.index.total.refresh.total_time_in_millis"),
    ("index_stats.total.fielddata.memory_size_in_bytes", "@elasticsearch.index.total.fielddata.memory_size_in_bytes"),
    ("index_stats.total.query_cache.memory_size_in_bytes", "@elasticsearch.index.total.query_cache.memory_size_in_bytes"),
    ("index_stats.total.request_cache.memory_size_in_bytes", "@elasticsearch.index.total.request_cache.memory_size_in_bytes"),
    // index_summary
    ("elasticsearch.index.summary.primaries.docs.count", "long"),
    ("elasticsearch.index.summary.primaries.docs.deleted", "long"),
    ("elasticsearch.index.summary.primaries.store.size.bytes", "long"),
    ("elasticsearch.index.summary.primaries.indexing.index.count", "long"),
    ("elasticsearch.index.summary.primaries.indexing.index.time.ms", "long"),
    ("elasticsearch.index.summary.primaries.search.query.count", "long"),
    ("elasticsearch.index.summary.primaries.search.query.time.ms", "long"),
    ("elasticsearch.index.summary.total.docs.count", "long"),
    ("elasticsearch.index.summary.total.docs.deleted", "long"),
    ("elasticsearch.index.summary.total.store.size.bytes", "long"),
    ("elasticsearch.index.summary.total.indexing.index.count", "long"),
    ("elasticsearch.index.summary.total.indexing.index.time.ms", "long"),
    ("elasticsearch.index.summary.total.search.query.count", "long"),
    ("elasticsearch.index.summary.total.search.query.time.ms", "long"),
    ("indices_stats._all.primaries.indexing.index_total", "@elasticsearch.index.summary.primaries.indexing.index.count"),
    ("indices_stats._all.primaries.indexing.index_time_in_millis", "@elasticsearch.index.summary.primaries.indexing.index.time.ms"),
    ("indices_stats._all.total.indexing.index_total", "@elasticsearch.index.summary.total.indexing.index.count"),
    ("indices_stats._all.total.search.query_total", "@elasticsearch.index.summary.total.search.query.count"),
    ("indices_stats._all.total.search.query_time_in_millis", "@elasticsearch.index.summary.total.search.query.time.ms"),
    // shard
    ("elasticsearch.shard.number", "long"),
    ("elasticsearch.shard.primary", "boolean"),
    ("elasticsearch.shard.state", "keyword"),
    ("elasticsearch.shard.relocating_node.id", "keyword"),
    ("elasticsearch.shard.relocating_node.name", "keyword"),
    ("elasticsearch.shard.source_node.uuid", "keyword"),
    ("elasticsearch.shard.source_node.name", "keyword"),
    ("shard.node", "@elasticsearch.node.id"),
    ("shard.index", "@elasticsearch.index.name"),
    ("shard.state", "@elasticsearch.shard.state"),
    ("shard.shard", "@elasticsearch.shard.number"),
    ("shard.primary", "@elasticsearch.shard.primary"),
    // index_recovery
    ("elasticsearch.index.recovery.id", "long"),
    ("elasticsearch.index.recovery.type", "keyword"),
    ("elasticsearch.index.recovery.stage", "keyword"),
    ("elasticsearch.index.recovery.primary", "boolean"),
    ("elasticsearch.index.recovery.start_time.ms", "long"),
    ("elasticsearch.index.recovery.stop_time.ms", "long"),
    ("elasticsearch.index.recovery.total_time.ms", "long"),
    ("elasticsearch.index.recovery.source.id", "keyword"),
    ("elasticsearch.index.recovery.source.host", "keyword"),
    ("elasticsearch.index.recovery.source.name", "keyword"),
    ("elasticsearch.index.recovery.source.transport_address", "keyword"),
    ("elasticsearch.index.recovery.target.id", "keyword"),
    ("elasticsearch.index.recovery.target.host", "keyword"),
    ("elasticsearch.index.recovery.target.name", "keyword"),
    ("elasticsearch.index.recovery.target.transport_address", "keyword"),
    ("elasticsearch.index.recovery.index.size.total_in_bytes", "long"),
    ("elasticsearch.index.recovery.index.size.recovered_in_bytes", "long"),
    ("elasticsearch.index.recovery.index.files.total", "long"),
    ("elasticsearch.index.recovery.index.files.recovered", "long"),
    ("elasticsearch.index.recovery.translog.total", "long"),
    ("elasticsearch.index.recovery.translog.recovered", "long"),
    ("index_recovery.shards.start_time_in_millis", "@elasticsearch.index.recovery.start_time.ms"),
    ("index_recovery.shards.stop_time_in_millis", "@elasticsearch.index.recovery.stop_time.ms"),
    ("index_recovery.shards.total_time_in_millis", "@elasticsearch.index.recovery.total_time.ms"),
    // ccr
    ("elasticsearch.ccr.remote_cluster", "keyword"),
    ("elasticsearch.ccr.leader.index", "keyword"),
    ("elasticsearch.ccr.leader.max_seq_no", "long"),
    ("elasticsearch.ccr.leader.global_checkpoint", "long"),
    ("elasticsearch.ccr.follower.index", "keyword"),
    ("elasticsearch.ccr.follower.shard.number", "long"),
    ("elasticsearch.ccr.follower.operations_written", "long"),
    ("elasticsearch.ccr.follower.global_checkpoint", "long"),
    ("elasticsearch.ccr.follower.max_seq_no", "long"),
    ("elasticsearch.ccr.follower.time_since_last_read.ms", "long"),
    ("elasticsearch.ccr.requests.failed.read.count", "long"),
    ("elasticsearch.ccr.requests.failed.write.count", "long"),
    ("elasticsearch.ccr.requests.successful.read.count", "long"),
    ("elasticsearch.ccr.requests.successful.write.count", "long"),
    ("elasticsearch.ccr.requests.outstanding.read.count", "long"),
    ("elasticsearch.ccr.requests.outstanding.write.count", "long"),
    ("elasticsearch.ccr.auto_follow.failed.follow_indices.count", "long"),
    ("elasticsearch.ccr.auto_follow.failed.remote_cluster_state_requests.count", "long"),
    ("elasticsearch.ccr.auto_follow.success.follow_indices.count", "long"),
    ("ccr_stats.remote_cluster", "@elasticsearch.ccr.remote_cluster"),
    ("ccr_stats.leader_index", "@elasticsearch.ccr.leader.index"),
    ("ccr_stats.follower_index", "@elasticsearch.ccr.follower.index"),
    ("ccr_stats.shard_id", "@elasticsearch.ccr.follower.shard.number"),
    ("ccr_stats.operations_written", "@elasticsearch.ccr.follower.operations_written"),
    ("elasticsearch.ccr.follower.operations.read.count", "long"),
    ("elasticsearch.ccr.follower.settings_version", "long"),
    ("elasticsearch.ccr.follower.mapping_version", "long"),
    ("elasticsearch.ccr.follower.aliases_version", "long"),
    ("elasticsearch.ccr.bytes_read", "long"),
    ("elasticsearch.ccr.last_requested_seq_no", "long"),
    ("elasticsearch.ccr.total_time.read.ms", "long"),
    ("elasticsearch.ccr.total_time.read.remote_exec.ms", "long"),
    ("elasticsearch.ccr.total_time.write.ms", "long"),
    ("elasticsearch.ccr.write_buffer.size.bytes", "long"),
    ("elasticsearch.ccr.write_buffer.operation.count", "long"),
    ("ccr_stats.leader_global_checkpoint", "@elasticsearch.ccr.leader.global_checkpoint"),
    ("ccr_stats.leader_max_seq_no", "@elasticsearch.ccr.leader.max_seq_no"),
    ("ccr_stats.follower_global_checkpoint", "@elasticsearch.ccr.follower.global_checkpoint"),
    ("ccr_stats.follower_max_seq_no", "@elasticsearch.ccr.follower.max_seq_no"),
    ("ccr_stats.last_requested_seq_no", "@elasticsearch.ccr.last_requested_seq_no"),
    ("ccr_stats.follower_settings_version", "@elasticsearch.ccr.follower.settings_version"),
    ("ccr_stats.follower_mapping_version", "@elasticsearch.ccr.follower.mapping_version"),
    ("ccr_stats.follower_aliases_version", "@elasticsearch.ccr.follower.aliases_version"),
    ("ccr_stats.operations_read", "@elasticsearch.ccr.follower.operations.read.count"),
    ("ccr_stats.bytes_read", "@elasticsearch.ccr.bytes_read"),
    ("ccr_stats.total_read_time_millis", "@elasticsearch.ccr.total_time.read.ms"),
    ("ccr_stats.total_read_remote_exec_time_millis", "@elasticsearch.ccr.total_time.read.remote_exec.ms"),
    ("ccr_stats.total_write_time_millis", "@elasticsearch.ccr.total_time.write.ms"),
    ("ccr_stats.write_buffer_size_in_bytes", "@elasticsearch.ccr.write_buffer.size.bytes"),
    ("ccr_stats.write_buffer_operation_count", "@elasticsearch.ccr.write_buffer.operation.count"),
    ("ccr_stats.successful_read_requests", "@elasticsearch.ccr.requests.successful.read.count"),
    ("ccr_stats.successful_write_requests", "@elasticsearch.ccr.requests.successful.write.count"),
    ("ccr_stats.failed_read_requests", "@elasticsearch.ccr.requests.failed.read.count"),
    ("ccr_stats.failed_write_requests", "@elasticsearch.ccr.requests.failed.write.count"),
    ("ccr_stats.outstanding_read_requests", "@elasticsearch.ccr.requests.outstanding.read.count"),
    ("ccr_stats.outstanding_write_requests", "@elasticsearch.ccr.requests.outstanding.write.count"),
    ("ccr_auto_follow_stats.number_of_failed_remote_cluster_state_requests", "@elasticsearch.ccr.auto_follow.failed.remote_cluster_state_requests.count"),
    ("ccr_auto_follow_stats.number_of_failed_follow_indices", "@elasticsearch.ccr.auto_follow.failed.follow_indices.count"),
    ("ccr_auto_follow_stats.number_of_successful_follow_indices", "@elasticsearch.ccr.auto_follow.success.follow_indices.count"),
    ("ccr_auto_follow_stats.follower.failed_read_requests", "@elasticsearch.ccr.requests.failed.read.count"),
    // enrich
    ("elasticsearch.enrich.queue.size", "long"),
    ("elasticsearch.enrich.remote_requests.current", "long"),
    ("elasticsearch.enrich.remote_requests.total", "long"),
    ("elasticsearch.enrich.executed_searches.total", "long"),
    ("elasticsearch.enrich.executing_policy.name", "keyword"),
    // ml_job
    ("elasticsearch.ml.job.id", "keyword"),
    ("elasticsearch.ml.job.state", "keyword"),
    ("elasticsearch.ml.job.data_counts.input_bytes", "long"),
    ("elasticsearch.ml.job.data_counts.processed_record_count", "long"),
    ("elasticsearch.ml.job.data_counts.invalid_date_count", "long"),
    ("elasticsearch.ml.job.forecasts_stats.total", "long"),
    ("elasticsearch.ml.job.model_size.memory_status", "keyword"),
    ("job_stats.job_id", "@elasticsearch.ml.job.id"),
    ("job_stats.forecasts_stats.total", "@elasticsearch.ml.job.forecasts_stats.total"),
];

/// Fields of `.monitoring-beats-8-*` (the `beat` module with `xpack.enabled`), spec §6.4.
#[rustfmt::skip]
const BEATS_FIELDS: &[Field] = &[
    ("@timestamp", "date"),
    ("timestamp", "@@timestamp"),
    ("ecs.version", "keyword"),
    ("host.name", "keyword"),
    ("agent.id", "keyword"),
    ("agent.ephemeral_id", "keyword"),
    ("agent.type", "keyword"),
    ("agent.version", "keyword"),
    ("event.dataset", "keyword"),
    ("event.module", "keyword"),
    ("event.duration", "long"),
    ("metricset.name", "keyword"),
    ("metricset.period", "long"),
    ("service.name", "keyword"),
    ("service.type", "keyword"),
    ("service.address", "keyword"),
    ("beat.id", "keyword"),
    ("beat.type", "keyword"),
    ("beat.elasticsearch.cluster.id", "keyword"),
    ("cluster_uuid", "@beat.elasticsearch.cluster.id"),
    ("beat.stats.beat.uuid", "keyword"),
    ("beat.stats.beat.type", "keyword"),
    ("beat.stats.beat.version", "keyword"),
    ("beat.stats.beat.name", "keyword"),
    ("beat.stats.beat.host", "keyword"),
    ("beats_stats.timestamp", "@@timestamp"),
    ("beats_stats.beat.uuid", "@beat.stats.beat.uuid"),
    ("beats_stats.beat.type", "@beat.stats.beat.type"),
    ("beats_stats.beat.version", "@beat.stats.beat.version"),
    ("beats_stats.beat.name", "@beat.stats.beat.name"),
    ("beats_stats.beat.host", "@beat.stats.beat.host"),
    ("beat.stats.info.ephemeral_id", "keyword"),
    ("beat.stats.info.uptime.ms", "long"),
    ("beats_stats.metrics.beat.info.ephemeral_id", "@beat.stats.info.ephemeral_id"),
    ("beats_stats.metrics.beat.info.uptime.ms", "@beat.stats.info.uptime.ms"),
    ("beat.stats.cpu.total.value", "long"),
    ("beat.stats.cpu.total.ticks", "long"),
    ("beat.stats.cpu.total.time.ms", "long"),
    ("beats_stats.metrics.beat.cpu.total.value", "@beat.stats.cpu.total.value"),
    ("beats_stats.metrics.beat.cpu.total.ticks", "@beat.stats.cpu.total.ticks"),
    ("beats_stats.metrics.beat.cpu.total.time.ms", "@beat.stats.cpu.total.time.ms"),
    ("beat.stats.memstats.memory.alloc", "long"),
    ("beat.stats.memstats.rss", "long"),
    ("beat.stats.memstats.gc_next", "long"),
    ("beat.stats.memstats.memory.total", "long"),
    ("beats_stats.metrics.beat.memstats.memory_alloc", "@beat.stats.memstats.memory.alloc"),
    ("beats_stats.metrics.beat.memstats.rss", "@beat.stats.memstats.rss"),
    ("beats_stats.metrics.beat.memstats.gc_next", "@beat.stats.memstats.gc_next"),
    ("beats_stats.metrics.beat.memstats.memory_total", "@beat.stats.memstats.memory.total"),
    ("beat.stats.handles.open", "long"),
    ("beat.stats.handles.limit.hard", "long"),
    ("beat.stats.handles.limit.soft", "long"),
    ("beats_stats.metrics.beat.handles.open", "@beat.stats.handles.open"),
    ("beats_stats.metrics.beat.handles.limit.hard", "@beat.stats.handles.limit.hard"),
    ("beats_stats.metrics.beat.handles.limit.soft", "@beat.stats.handles.limit.soft"),
    ("beat.stats.libbeat.config.reloads", "long"),
    ("beats_stats.metrics.libbeat.config.reloads", "@beat.stats.libbeat.config.reloads"),
    ("beat.stats.libbeat.output.type", "keyword"),
    ("beats_stats.metrics.libbeat.output.type", "@beat.stats.libbeat.output.type"),
    ("beat.stats.libbeat.output.events.total", "long"),
    ("beat.stats.libbeat.output.events.acked", "long"),
    ("beat.stats.libbeat.output.events.failed", "long"),
    ("beat.stats.libbeat.output.events.dropped", "long"),
    ("beat.stats.libbeat.output.events.duplicates", "long"),
    ("beat.stats.libbeat.output.events.toomany", "long"),
    ("beat.stats.libbeat.output.events.batches", "long"),
    ("beat.stats.libbeat.output.events.active", "long"),
    ("beats_stats.metrics.libbeat.output.events.total", "@beat.stats.libbeat.output.events.total"),
    ("beats_stats.metrics.libbeat.output.events.acked", "@beat.stats.libbeat.output.events.acked"),
    ("beats_stats.metrics.libbeat.output.events.failed", "@beat.stats.libbeat.output.events.failed"),
    ("beats_stats.metrics.libbeat.output.events.dropped", "@beat.stats.libbeat.output.events.dropped"),
    ("beats_stats.metrics.libbeat.output.events.duplicates", "@beat.stats.libbeat.output.events.duplicates"),
    ("beats_stats.metrics.libbeat.output.events.duplicated", "@beat.stats.libbeat.output.events.duplicates"),
    ("beats_stats.metrics.libbeat.output.events.toomany", "@beat.stats.libbeat.output.events.toomany"),
    ("beats_stats.metrics.libbeat.output.events.batches", "@beat.stats.libbeat.output.events.batches"),
    ("beats_stats.metrics.libbeat.output.events.active", "@beat.stats.libbeat.output.events.active"),
    ("beat.stats.libbeat.output.write.bytes", "long"),
    ("beat.stats.libbeat.output.write.errors", "long"),
    ("beat.stats.libbeat.output.read.bytes", "long"),
    ("beat.stats.libbeat.output.read.errors", "long"),
    ("beats_stats.metrics.libbeat.output.write.bytes", "@beat.stats.libbeat.output.write.bytes"),
    ("beats_stats.metrics.libbeat.output.write.errors", "@beat.stats.libbeat.output.write.errors"),
    ("beats_stats.metrics.libbeat.output.read.bytes", "@beat.stats.libbeat.output.read.bytes"),
    ("beats_stats.metrics.libbeat.output.read.errors", "@beat.stats.libbeat.output.read.errors"),
    ("beat.stats.libbeat.pipeline.clients", "long"),
    ("beat.stats.libbeat.pipeline.events.total", "long"),
    ("beat.stats.libbeat.pipeline.events.published", "long"),
    ("beat.stats.libbeat.pipeline.events.filtered", "long"),
    ("beat.stats.libbeat.pipeline.events.failed", "long"),
    ("beat.stats.libbeat.pipeline.events.dropped", "long"),
    ("beat.stats.libbeat.pipeline.events.retry", "long"),
    ("beat.stats.libbeat.pipeline.events.active", "long"),
    ("beat.stats.libbeat.pipeline.queue.acked", "long"),
    ("beat.stats.libbeat.pipeline.queue.max_events", "long"),
    ("beats_stats.metrics.libbeat.pipeline.clients", "@beat.stats.libbeat.pipeline.clients"),
    ("beats_stats.metrics.libbeat.pipeline.events.total", "@beat.stats.libbeat.pipeline.events.total"),
    ("beats_stats.metrics.libbeat.pipeline.events.published", "@beat.stats.libbeat.pipeline.events.published"),
    ("beats_stats.metrics.libbeat.pipeline.events.filtered", "@beat.stats.libbeat.pipeline.events.filtered"),
    ("beats_stats.metrics.libbeat.pipeline.events.failed", "@beat.stats.libbeat.pipeline.events.failed"),
    ("beats_stats.metrics.libbeat.pipeline.events.dropped", "@beat.stats.libbeat.pipeline.events.dropped"),
    ("beats_stats.metrics.libbeat.pipeline.events.retry", "@beat.stats.libbeat.pipeline.events.retry"),
    ("beats_stats.metrics.libbeat.pipeline.events.active", "@beat.stats.libbeat.pipeline.events.active"),
    ("beats_stats.metrics.libbeat.pipeline.queue.acked", "@beat.stats.libbeat.pipeline.queue.acked"),
    ("beats_stats.metrics.libbeat.pipeline.queue.max_events", "@beat.stats.libbeat.pipeline.queue.max_events"),
    ("beat.stats.system.cpu.cores", "long"),
    ("beat.stats.system.load.1", "double"),
    ("beat.stats.system.load.5", "double"),
    ("beat.stats.system.load.15", "double"),
    ("beat.stats.system.load.norm.1", "double"),
    ("beat.stats.system.load.norm.5", "double"),
    ("beat.stats.system.load.norm.15", "double"),
    ("beats_stats.metrics.system.cpu.cores", "@beat.stats.system.cpu.cores"),
    ("beats_stats.metrics.system.load.1", "@beat.stats.system.load.1"),
    ("beats_stats.metrics.system.load.5", "@beat.stats.system.load.5"),
    ("beats_stats.metrics.system.load.15", "@beat.stats.system.load.15"),
    ("beats_stats.metrics.system.load.norm.1", "@beat.stats.system.load.norm.1"),
    ("beats_stats.metrics.system.load.norm.5", "@beat.stats.system.load.norm.5"),
    ("beats_stats.metrics.system.load.norm.15", "@beat.stats.system.load.norm.15"),
    ("beat.state.beat.name", "keyword"),
    ("beat.state.beat.host", "keyword"),
    ("beat.state.beat.type", "keyword"),
    ("beat.state.beat.uuid", "keyword"),
    ("beat.state.beat.version", "keyword"),
    ("beat.state.host.name", "keyword"),
    ("beat.state.host.architecture", "keyword"),
    ("beat.state.host.os.platform", "keyword"),
    ("beat.state.host.os.version", "keyword"),
    ("beat.state.host.os.family", "keyword"),
    ("beat.state.module.count", "long"),
    ("beat.state.module.names", "keyword"),
    ("beat.state.output.name", "keyword"),
    ("beat.state.queue.name", "keyword"),
    ("beat.state.service.id", "keyword"),
    ("beat.state.service.name", "keyword"),
    ("beat.state.service.version", "keyword"),
    ("beats_state.timestamp", "@@timestamp"),
    ("beats_state.beat.name", "@beat.state.beat.name"),
    ("beats_state.beat.host", "@beat.state.beat.host"),
    ("beats_state.beat.type", "@beat.state.beat.type"),
    ("beats_state.beat.uuid", "@beat.state.beat.uuid"),
    ("beats_state.beat.version", "@beat.state.beat.version"),
    ("beats_state.state.host.name", "@beat.state.host.name"),
    ("beats_state.state.host.architecture", "@beat.state.host.architecture"),
    ("beats_state.state.host.os.platform", "@beat.state.host.os.platform"),
    ("beats_state.state.host.os.version", "@beat.state.host.os.version"),
    ("beats_state.state.host.os.family", "@beat.state.host.os.family"),
    ("beats_state.state.module.count", "@beat.state.module.count"),
    ("beats_state.state.module.names", "@beat.state.module.names"),
    ("beats_state.state.output.name", "@beat.state.output.name"),
    ("beats_state.state.queue.name", "@beat.state.queue.name"),
    ("beats_state.state.service.id", "@beat.state.service.id"),
    ("beats_state.state.service.name", "@beat.state.service.name"),
    ("beats_state.state.service.version", "@beat.state.service.version"),
];

/// Fields of `.monitoring-kibana-8-*` (the `kibana` module with `xpack.enabled`), at the
/// paths of Elasticsearch's `monitoring-kibana-mb` template.
#[rustfmt::skip]
const KIBANA_FIELDS: &[Field] = &[
    ("@timestamp", "date"),
    ("timestamp", "@@timestamp"),
    ("ecs.version", "keyword"),
    ("host.name", "keyword"),
    ("process.pid", "long"),
    ("event.dataset", "keyword"),
    ("event.module", "keyword"),
    ("event.duration", "long"),
    ("metricset.name", "keyword"),
    ("metricset.period", "long"),
    ("service.id", "keyword"),
    ("service.type", "keyword"),
    ("service.address", "keyword"),
    ("service.version", "keyword"),
    ("kibana.elasticsearch.cluster.id", "keyword"),
    ("cluster_uuid", "@kibana.elasticsearch.cluster.id"),
    ("kibana.status.name", "keyword"),
    ("kibana.status.status.overall.state", "keyword"),
    ("kibana.status.metrics.requests.total", "long"),
    ("kibana.status.metrics.requests.disconnects", "long"),
    ("kibana.status.metrics.concurrent_connections", "long"),
    ("kibana.stats.name", "keyword"),
    ("kibana.stats.index", "keyword"),
    ("kibana.stats.host.name", "keyword"),
    ("kibana.stats.status", "keyword"),
    ("kibana.stats.kibana.status", "keyword"),
    ("kibana.stats.snapshot", "boolean"),
    ("kibana.stats.concurrent_connections", "long"),
    ("kibana.stats.usage.index", "keyword"),
    ("kibana.stats.process.uptime.ms", "long"),
    ("kibana.stats.process.event_loop_delay.ms", "double"),
    ("kibana.stats.process.memory.heap.total.bytes", "long"),
    ("kibana.stats.process.memory.heap.used.bytes", "long"),
    ("kibana.stats.process.memory.heap.size_limit.bytes", "long"),
    ("kibana.stats.process.memory.resident_set_size.bytes", "long"),
    ("kibana.stats.os.load.1m", "double"),
    ("kibana.stats.os.load.5m", "double"),
    ("kibana.stats.os.load.15m", "double"),
    ("kibana.stats.os.memory.total_in_bytes", "long"),
    ("kibana.stats.os.memory.free_in_bytes", "long"),
    ("kibana.stats.os.memory.used_in_bytes", "long"),
    ("kibana.stats.os.distro", "keyword"),
    ("kibana.stats.os.platform", "keyword"),
    ("kibana.stats.request.total", "long"),
    ("kibana.stats.request.disconnects", "long"),
    ("kibana.stats.response_time.avg.ms", "long"),
    ("kibana.stats.response_time.max.ms", "long"),
    ("kibana_stats.timestamp", "@@timestamp"),
    ("kibana_stats.kibana.uuid", "@service.id"),
    ("kibana_stats.kibana.version", "@service.version"),
    ("kibana_stats.kibana.status", "@kibana.stats.status"),
    ("kibana_stats.kibana.response_time.max", "@kibana.stats.response_time.max.ms"),
    ("kibana_stats.concurrent_connections", "@kibana.stats.concurrent_connections"),
    ("kibana_stats.process.uptime_in_millis", "@kibana.stats.process.uptime.ms"),
    ("kibana_stats.process.event_loop_delay", "@kibana.stats.process.event_loop_delay.ms"),
    ("kibana_stats.process.memory.heap.size_limit", "@kibana.stats.process.memory.heap.size_limit.bytes"),
    ("kibana_stats.process.memory.resident_set_size_in_bytes", "@kibana.stats.process.memory.resident_set_size.bytes"),
    ("kibana_stats.os.memory.free_in_bytes", "@kibana.stats.os.memory.free_in_bytes"),
    ("kibana_stats.os.load.1m", "@kibana.stats.os.load.1m"),
    ("kibana_stats.os.load.5m", "@kibana.stats.os.load.5m"),
    ("kibana_stats.os.load.15m", "@kibana.stats.os.load.15m"),
    ("kibana_stats.requests.total", "@kibana.stats.request.total"),
    ("kibana_stats.requests.disconnects", "@kibana.stats.request.disconnects"),
    ("kibana_stats.response_times.average", "@kibana.stats.response_time.avg.ms"),
    ("kibana_stats.response_times.max", "@kibana.stats.response_time.max.ms"),
];

/// The envelope of every document of the older (`-7`) format.
#[rustfmt::skip]
const LEGACY_COMMON: &[Field] = &[
    ("cluster_uuid", "keyword"),
    ("timestamp", "date"),
    ("interval_ms", "long"),
    ("type", "keyword"),
    ("source_node.uuid", "keyword"),
    ("source_node.host", "keyword"),
    ("source_node.transport_address", "keyword"),
    ("source_node.ip", "keyword"),
    ("source_node.name", "keyword"),
    ("source_node.timestamp", "date"),
];

/// Inserts `leaf` at the dotted `path` of a `properties` tree.
fn insert(properties: &mut Map<String, Value>, path: &str, leaf: Value) {
    let mut parts = path.split('.').peekable();
    let mut current = properties;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_string(), leaf);
            return;
        }
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| json!({"properties": {}}));
        if !entry.get("properties").is_some_and(Value::is_object) {
            // A leaf and an object at the same path: the table is wrong; keep the leaf.
            return;
        }
        let Some(Value::Object(next)) = entry.get_mut("properties") else {
            return;
        };
        current = next;
    }
}

fn leaf(kind: &str) -> Value {
    match kind.strip_prefix('@') {
        Some(target) => json!({"type": "alias", "path": target}),
        None if kind == "keyword" => json!({"type": "keyword", "ignore_above": 1024}),
        None => json!({"type": kind}),
    }
}

/// A `dynamic: false` mapping of `fields`.
pub(crate) fn mapping(fields: &[Field]) -> Value {
    let mut properties = Map::new();
    for (path, kind) in fields {
        insert(&mut properties, path, leaf(kind));
    }
    json!({"dynamic": false, "properties": properties})
}

/// The older format's fields: each legacy name an `-mb` template aliases, as a real field of
/// its target's type, under the `-7` envelope.
pub(crate) fn legacy_fields(fields: &[Field]) -> Vec<Field> {
    let type_of = |target: &str| {
        fields
            .iter()
            .find(|(p, _)| *p == target)
            .map(|(_, k)| *k)
            .filter(|k| !k.starts_with('@'))
    };
    let mut out: Vec<Field> = LEGACY_COMMON.to_vec();
    for (path, kind) in fields {
        let Some(target) = kind.strip_prefix('@') else {
            continue;
        };
        if out.iter().any(|(p, _)| p == path) {
            continue;
        }
        if let Some(kind) = type_of(target) {
            out.push((path, kind));
        }
    }
    out
}

fn managed_meta(description: &str) -> Value {
    json!({"description": description, "managed": true, "managed_by": "ironstack"})
}

/// The ILM policy body: roll over at 50gb per primary shard or 3 days, merge to one segment
/// in warm, delete 3 days after rollover (Elasticsearch's defaults for this policy).
pub(crate) fn policy() -> Value {
    json!({
        "policy": {
            "phases": {
                "hot": {"actions": {"rollover": {"max_primary_shard_size": "50gb", "max_age": "3d"}}},
                "warm": {"actions": {"forcemerge": {"max_num_segments": 1}}},
                "delete": {"min_age": "3d", "actions": {"delete": {}}}
            },
            "_meta": {
                "description": "Index lifecycle policy generated for [monitoring-*-8] data streams",
                "defaults": {"delete_min_age": "Using value of [3d] based on the monitoring plugin default"},
                "managed": true
            }
        }
    })
}

/// A data-stream template for `.monitoring-<product>-8-*`.
fn stack_template(product: &str, fields: &[Field]) -> Value {
    json!({
        "index_patterns": [format!(".monitoring-{product}-8-*")],
        "version": STACK_VERSION,
        "_meta": managed_meta(&format!("Stack Monitoring: {product} data written by Metricbeat")),
        "data_stream": {},
        "template": {
            "settings": {
                "index.auto_expand_replicas": "0-1",
                "index.mapping.total_fields.limit": 2000,
                "index.lifecycle.name": POLICY_NAME
            },
            "mappings": mapping(fields)
        }
    })
}

/// A template of the older format for `.monitoring-<product>-7-*` (daily indices).
fn legacy_template(product: &str, fields: &[Field]) -> Value {
    json!({
        "index_patterns": [format!(".monitoring-{product}-7-*")],
        "version": LEGACY_VERSION,
        "_meta": managed_meta(&format!("Stack Monitoring: {product} data of the older format (internal collection)")),
        "template": {
            "settings": {
                "index.number_of_shards": 1,
                "index.auto_expand_replicas": "0-1",
                "index.codec": "best_compression"
            },
            "mappings": mapping(fields)
        }
    })
}

/// Every managed template: name, body, version.
pub(crate) fn templates() -> Vec<(&'static str, Value, i64)> {
    vec![
        (
            ".monitoring-es-mb",
            stack_template("es", ES_FIELDS),
            STACK_VERSION,
        ),
        (
            ".monitoring-beats-mb",
            stack_template("beats", BEATS_FIELDS),
            STACK_VERSION,
        ),
        (
            ".monitoring-kibana-mb",
            stack_template("kibana", KIBANA_FIELDS),
            STACK_VERSION,
        ),
        (
            ".monitoring-es",
            legacy_template("es", &legacy_fields(ES_FIELDS)),
            LEGACY_VERSION,
        ),
        (
            ".monitoring-beats",
            legacy_template("beats", &legacy_fields(BEATS_FIELDS)),
            LEGACY_VERSION,
        ),
    ]
}

/// Installs what is missing or older than the node's; answers the names it wrote.
pub(crate) fn install(store: &StoreService) -> Result<Vec<String>, StoreError> {
    let mut written = Vec::new();
    if store.metadata().ilm_policy(POLICY_NAME).is_none() {
        store.put_ilm_policy(POLICY_NAME, &policy())?;
        written.push(POLICY_NAME.to_string());
    }
    written.extend(put_templates(store, |_| true)?);
    Ok(written)
}

/// Puts each managed template `wanted` selects that is missing or older than the node's.
fn put_templates(
    store: &StoreService,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<String>, StoreError> {
    let mut written = Vec::new();
    for (name, body, version) in templates() {
        if !wanted(name) {
            continue;
        }
        let current = store
            .metadata()
            .index_template(name)
            .map(|t| t.version.unwrap_or(0));
        if current.is_some_and(|v| v >= version) {
            continue;
        }
        store.put_index_template(name, &body, false)?;
        written.push(name.to_string());
    }
    Ok(written)
}

/// The managed templates a `DELETE _index_template/<names>` is about to remove (names and
/// wildcards as the request gives them).
pub(crate) fn managed_among(store: &StoreService, names: &[String]) -> Vec<&'static str> {
    let metadata = store.metadata();
    templates()
        .into_iter()
        .map(|(name, _, _)| name)
        .filter(|name| metadata.index_template(name).is_some())
        .filter(|name| {
            names
                .iter()
                .any(|n| ironstack_types::wildcard::simple_match(n, name))
        })
        .collect()
}

/// After a request removed managed templates or replaced one with an older version: puts
/// them back, as Elasticsearch's template registry does at the next cluster-state change (a
/// version at or above the node's is the user's to keep).
pub(crate) fn restore(store: &StoreService, names: &[&str]) -> Result<Vec<String>, StoreError> {
    put_templates(store, |name| names.contains(&name))
}

#[cfg(test)]
#[path = "monitoring_templates_tests.rs"]
mod tests;
