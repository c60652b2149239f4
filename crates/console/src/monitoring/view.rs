//! The Stack Monitoring pages' HTML: Kibana's panels, tables and labels (the status bar,
//! the Nodes and Indices tables, the Beats panels), each chart an SVG with its legend, a
//! time-range form that works without script, and the "no monitoring data" explanation.

use axum::response::{Html as HtmlBody, IntoResponse, Response};
use http::StatusCode;

use super::chart::{self, Line, number};
use super::rules::{Alert, RULES};
use super::source::{ClusterSummary, NodeRow};
use super::{BeatRow, BeatsSummary, Cause, Chart, Diagnosis, IndexRow, Mon, Shards};
use crate::html::Html;
use crate::pages::{Frame, layout};

/// Bytes as Kibana prints them (`1.5 GB`).
pub(crate) fn bytes(v: Option<f64>) -> String {
    let Some(mut v) = v else {
        return "N/A".into();
    };
    for unit in ["B", "KB", "MB", "GB", "TB"] {
        if v.abs() < 1024.0 || unit == "TB" {
            return if unit == "B" {
                format!("{v:.0} B")
            } else {
                format!("{v:.1} {unit}")
            };
        }
        v /= 1024.0;
    }
    String::new()
}

/// A duration as Kibana's uptime (`3 days`, `5 hours`, `12 minutes`).
pub(crate) fn duration(ms: Option<f64>) -> String {
    let Some(ms) = ms else {
        return "N/A".into();
    };
    let minutes = (ms / 60_000.0).floor();
    let (n, unit) = if minutes >= 1440.0 {
        ((minutes / 1440.0).floor(), "day")
    } else if minutes >= 60.0 {
        ((minutes / 60.0).floor(), "hour")
    } else {
        (minutes, "minute")
    };
    format!("{n:.0} {unit}{}", if n == 1.0 { "" } else { "s" })
}

fn opt(v: Option<f64>) -> String {
    v.map_or("N/A".to_string(), number)
}

fn rate_text(v: Option<f64>) -> String {
    v.map_or("N/A".to_string(), |r| format!("{} /s", number(r)))
}

/// Kibana's Stack Monitoring access-denied page (the app needs `monitoring_user`'s
/// `reserved_monitoring` privilege).
pub(crate) fn access_denied(f: &Frame) -> String {
    layout(f.base, "Stack Monitoring", Some(f), |h| {
        h.open(
            "section",
            &[("class", "permission"), ("data-test-subj", "permissionDeniedMessage")],
        )
        .element("h1", &[], "You need permission to access Stack Monitoring")
        .element(
            "p",
            &[],
            "You are not authorized to access Monitoring. To use Monitoring, you need the privileges granted by both the `kibana_admin` and `monitoring_user` roles.",
        )
        .element("p", &[], "Contact your system administrator.")
        .close("section");
    })
}

/// The frame of every page: title, the app's tabs, the range form, then the body.
fn frame(
    m: &Mon<'_>,
    cluster: Option<&ClusterSummary>,
    title: &str,
    body: impl FnOnce(&mut Html),
) -> String {
    let f = m.ctx.frame();
    layout(
        f.base,
        &format!("{title} - Stack Monitoring"),
        Some(&f),
        |h| {
            h.open(
                "section",
                &[
                    ("class", "monitoring"),
                    ("data-test-subj", "monitoringAppContainer"),
                ],
            );
            if let Some(c) = cluster {
                h.open(
                    "nav",
                    &[("aria-label", "Stack Monitoring"), ("class", "tabs")],
                );
                for (label, path) in [
                    ("Overview", ""),
                    ("Nodes", "/elasticsearch/nodes"),
                    ("Indices", "/elasticsearch/indices"),
                    ("Beats", "/beats"),
                ] {
                    h.element("a", &[("href", &m.link(path, &c.cluster_uuid))], label);
                }
                h.close("nav");
            }
            range_form(h, m, cluster);
            h.element("h1", &[], title);
            body(h);
            h.close("section");
        },
    )
}

fn range_form(h: &mut Html, m: &Mon<'_>, cluster: Option<&ClusterSummary>) {
    let from = m.params.from.clone().unwrap_or_else(|| "now-1h".into());
    let to = m.params.to.clone().unwrap_or_else(|| "now".into());
    h.open(
        "form",
        &[
            ("method", "get"),
            ("class", "range"),
            ("aria-label", "Time range"),
        ],
    );
    let uuid = cluster
        .map(|c| c.cluster_uuid.as_str())
        .or(m.params.cluster_uuid.as_deref());
    if let Some(uuid) = uuid {
        h.void(
            "input",
            &[
                ("type", "hidden"),
                ("name", "cluster_uuid"),
                ("value", uuid),
            ],
        );
    }
    h.element("label", &[("for", "from")], "From")
        .void(
            "input",
            &[("id", "from"), ("name", "from"), ("value", &from)],
        )
        .element("label", &[("for", "to")], "To")
        .void("input", &[("id", "to"), ("name", "to"), ("value", &to)])
        .element("button", &[("type", "submit")], "Update")
        .element(
            "span",
            &[("class", "interval")],
            &format!(" Interval: {}s. Times are UTC.", m.bucket_s),
        )
        .close("form");
}

fn stat(h: &mut Html, label: &str, value: &str, subj: &str) {
    h.open("div", &[("class", "stat")])
        .element("dt", &[], label)
        .element("dd", &[("data-test-subj", subj)], value)
        .close("div");
}

fn charts(h: &mut Html, charts: &[Chart]) {
    h.open("div", &[("class", "charts")]);
    for c in charts {
        let lines: Vec<Line> = c
            .spec
            .lines
            .iter()
            .zip(&c.series)
            .map(|((label, _), points)| Line { label, points })
            .collect();
        chart::render(h, c.spec.id, c.spec.title, c.spec.unit, &lines);
    }
    h.close("div");
}

fn status_text(status: &str) -> String {
    let mut c = status.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_else(|| "Unknown".into())
}

/// The cluster overview.
pub(crate) fn overview(
    m: &Mon<'_>,
    (alerts, evaluated): (&[Alert], i64),
    c: &ClusterSummary,
    clusters: &[String],
    shards: &Shards,
    list: &[Chart],
    beats: u64,
) -> String {
    let title = if c.cluster_name.is_empty() {
        c.cluster_uuid.clone()
    } else {
        c.cluster_name.clone()
    };
    frame(m, Some(c), &title, |h| {
        if clusters.len() > 1 {
            h.open(
                "nav",
                &[
                    ("aria-label", "Clusters"),
                    ("data-test-subj", "clusterListing"),
                ],
            )
            .element("h2", &[], "Clusters")
            .open("ul", &[]);
            for id in clusters {
                h.open("li", &[])
                    .element("a", &[("href", &m.link("", id))], id)
                    .close("li");
            }
            h.close("ul").close("nav");
        }
        alerts_section(h, alerts, evaluated);
        h.element("h2", &[], "Elasticsearch");
        h.open(
            "dl",
            &[
                ("class", "statusbar"),
                ("data-test-subj", "elasticsearchOverview"),
            ],
        );
        stat(h, "Status", &status_text(&c.status), "statusIcon");
        stat(h, "Version", &c.versions.join(", "), "esVersion");
        stat(h, "Uptime", &duration(c.uptime_ms), "esUptime");
        stat(h, "Nodes", &opt(c.nodes), "nodesCount");
        stat(h, "Indices", &opt(c.indices), "indicesCount");
        stat(h, "Documents", &opt(c.documents), "documentCount");
        stat(
            h,
            "Disk Available",
            &format!("{} / {}", bytes(c.disk_available), bytes(c.disk_total)),
            "diskAvailable",
        );
        stat(h, "Data", &bytes(c.data_bytes), "dataSize");
        stat(
            h,
            "JVM Heap",
            &format!("{} / {}", bytes(c.heap_used), bytes(c.heap_max)),
            "jvmHeap",
        );
        stat(
            h,
            "Total Shards",
            &opt(c.shards_total.map(|t| t + shards.unassigned as f64)),
            "totalShards",
        );
        stat(
            h,
            "Primary Shards",
            &opt(c.shards_primaries),
            "primaryShards",
        );
        stat(
            h,
            "Unassigned Shards",
            &shards.unassigned.to_string(),
            "unassignedShards",
        );
        if let Some(t) = &c.license_type {
            stat(
                h,
                "License",
                &format!(
                    "{} ({})",
                    t,
                    c.license_status.as_deref().unwrap_or("unknown")
                ),
                "license",
            );
        }
        h.close("dl");
        charts(h, list);
        h.element("h2", &[], "Beats");
        h.open("p", &[("data-test-subj", "beatsOverview")])
            .text(&format!("Total Beats: {beats}. "))
            .element(
                "a",
                &[("href", &m.link("/beats", &c.cluster_uuid))],
                "Beats overview",
            )
            .close("p");
    })
}

/// The default rules' firing alerts (Kibana's callout on the overview).
fn alerts_section(h: &mut Html, alerts: &[Alert], evaluated: i64) {
    h.open(
        "section",
        &[
            ("data-test-subj", "monitoringAlerts"),
            ("aria-label", "Alerts"),
        ],
    );
    h.element("h2", &[], "Alerts");
    if evaluated == 0 {
        h.element(
            "p",
            &[],
            &format!("The {} default rules are evaluated every minute; the first evaluation has not run yet.", RULES.len()),
        );
    } else if alerts.is_empty() {
        h.element(
            "p",
            &[],
            &format!(
                "No rule is firing (checked at {} UTC).",
                chart::clock(evaluated)
            ),
        );
    } else {
        h.open("ul", &[("class", "alerts")]);
        for a in alerts {
            let rule = RULES
                .iter()
                .find(|(id, _)| *id == a.rule)
                .map_or(a.rule, |(_, n)| n);
            h.open("li", &[("class", a.severity), ("data-rule", a.rule)])
                .element("strong", &[], rule)
                .text(&format!(": {}", a.message))
                .close("li");
        }
        h.close("ul");
        h.element(
            "p",
            &[],
            &format!("Checked at {} UTC.", chart::clock(evaluated)),
        );
    }
    h.close("section");
}

fn table_head(h: &mut Html, subj: &str, caption: &str, columns: &[&str]) {
    h.open("table", &[("data-test-subj", subj)])
        .element("caption", &[], caption)
        .open("thead", &[])
        .open("tr", &[]);
    for c in columns {
        h.element("th", &[("scope", "col")], c);
    }
    h.close("tr").close("thead").open("tbody", &[]);
}

fn cell(h: &mut Html, text: &str) {
    h.element("td", &[], text);
}

/// The Nodes table.
pub(crate) fn nodes(
    m: &Mon<'_>,
    c: &ClusterSummary,
    nodes: &[NodeRow],
    shards: &Shards,
    alerts: &[Alert],
) -> String {
    frame(m, Some(c), "Nodes", |h| {
        table_head(
            h,
            "elasticsearchNodesListingPage",
            "Nodes",
            &[
                "Name",
                "Alerts",
                "Status",
                "Shards",
                "CPU Usage",
                "Load Average",
                "JVM Heap",
                "Disk Free Space",
            ],
        );
        for n in nodes {
            let online = c.state_nodes.is_empty() || c.state_nodes.contains(&n.id);
            h.open("tr", &[])
                .open("td", &[])
                .element(
                    "a",
                    &[(
                        "href",
                        &m.link(
                            &format!(
                                "/elasticsearch/nodes/{}",
                                crate::routes::encode_segment(&n.id)
                            ),
                            &c.cluster_uuid,
                        ),
                    )],
                    &n.name,
                )
                .text(if n.master { " (master)" } else { "" })
                .element("div", &[("class", "sub")], &n.transport_address)
                .close("td");
            let firing = alerts
                .iter()
                .filter(|a| a.node.as_deref() == Some(n.id.as_str()))
                .count();
            cell(h, &firing.to_string());
            cell(h, if online { "Online" } else { "Offline" });
            cell(
                h,
                &shards.per_node.get(&n.id).copied().unwrap_or(0).to_string(),
            );
            cell(
                h,
                &n.cpu.map_or("N/A".into(), |v| format!("{}%", number(v))),
            );
            cell(h, &opt(n.load_1m));
            cell(
                h,
                &n.heap_percent
                    .map_or("N/A".into(), |v| format!("{}%", number(v))),
            );
            cell(h, &bytes(n.disk_free));
            h.close("tr");
        }
        h.close("tbody").close("table");
    })
}

/// A node's page.
pub(crate) fn node(
    m: &Mon<'_>,
    c: &ClusterSummary,
    n: &NodeRow,
    shards: &Shards,
    list: &[Chart],
) -> String {
    frame(m, Some(c), &n.name, |h| {
        h.open(
            "dl",
            &[("class", "statusbar"), ("data-test-subj", "nodeSummary")],
        );
        let online = c.state_nodes.is_empty() || c.state_nodes.contains(&n.id);
        stat(
            h,
            "Status",
            if online { "Online" } else { "Offline" },
            "nodeStatus",
        );
        stat(
            h,
            "Transport Address",
            &n.transport_address,
            "transportAddress",
        );
        stat(
            h,
            "JVM Heap",
            &n.heap_percent
                .map_or("N/A".into(), |v| format!("{}%", number(v))),
            "jvmHeap",
        );
        stat(h, "Free Disk Space", &bytes(n.disk_free), "freeDiskSpace");
        stat(h, "Documents", &opt(n.documents), "documentCount");
        stat(h, "Data", &bytes(n.data_bytes), "dataSize");
        stat(
            h,
            "Shards",
            &shards.per_node.get(&n.id).copied().unwrap_or(0).to_string(),
            "shardCount",
        );
        stat(
            h,
            "Type",
            if n.master { "Master Node" } else { "Node" },
            "nodeType",
        );
        h.close("dl");
        charts(h, list);
    })
}

/// The Indices table.
pub(crate) fn indices(
    m: &Mon<'_>,
    c: &ClusterSummary,
    list: &[IndexRow],
    show_system: bool,
) -> String {
    frame(m, Some(c), "Indices", |h| {
        let toggle = format!(
            "{}{}show_system_indices={}",
            m.link("/elasticsearch/indices", &c.cluster_uuid),
            "&",
            !show_system
        );
        h.element(
            "a",
            &[("href", &toggle), ("data-test-subj", "systemIndicesToggle")],
            if show_system {
                "Hide system indices"
            } else {
                "Show system indices"
            },
        );
        table_head(
            h,
            "elasticsearchIndicesListingPage",
            "Indices",
            &[
                "Name",
                "Status",
                "Document Count",
                "Data",
                "Index Rate",
                "Search Rate",
                "Unassigned Shards",
            ],
        );
        for r in list {
            h.open("tr", &[])
                .open("td", &[])
                .element(
                    "a",
                    &[(
                        "href",
                        &m.link(
                            &format!(
                                "/elasticsearch/indices/{}",
                                crate::routes::encode_segment(&r.name)
                            ),
                            &c.cluster_uuid,
                        ),
                    )],
                    &r.name,
                )
                .close("td");
            cell(h, &status_text(&r.status));
            cell(h, &opt(r.documents));
            cell(h, &bytes(r.data_bytes));
            cell(h, &rate_text(r.index_rate));
            cell(h, &rate_text(r.search_rate));
            cell(h, &r.unassigned.to_string());
            h.close("tr");
        }
        h.close("tbody").close("table");
    })
}

/// An index's page.
pub(crate) fn index(m: &Mon<'_>, c: &ClusterSummary, r: &IndexRow, list: &[Chart]) -> String {
    frame(m, Some(c), &r.name, |h| {
        h.open(
            "dl",
            &[("class", "statusbar"), ("data-test-subj", "indexSummary")],
        );
        stat(h, "Status", &status_text(&r.status), "indexStatus");
        stat(h, "Documents", &opt(r.documents), "documentCount");
        stat(h, "Data", &bytes(r.data_bytes), "dataSize");
        stat(h, "Index Rate", &rate_text(r.index_rate), "indexRate");
        stat(h, "Search Rate", &rate_text(r.search_rate), "searchRate");
        stat(
            h,
            "Unassigned Shards",
            &r.unassigned.to_string(),
            "unassignedShards",
        );
        h.close("dl");
        charts(h, list);
    })
}

fn beats_table(h: &mut Html, m: &Mon<'_>, c: &ClusterSummary, list: &[BeatRow]) {
    table_head(
        h,
        "beatsListingPage",
        "Beats",
        &[
            "Name",
            "Type",
            "Output",
            "Output Events Rate",
            "Bytes Sent Rate",
            "Output Errors",
            "Allocated Memory",
            "Version",
        ],
    );
    for b in list {
        h.open("tr", &[])
            .open("td", &[])
            .element(
                "a",
                &[(
                    "href",
                    &m.link(
                        &format!("/beats/beat/{}", crate::routes::encode_segment(&b.uuid)),
                        &c.cluster_uuid,
                    ),
                )],
                &b.name,
            )
            .close("td");
        cell(h, &b.beat_type);
        cell(h, &b.output);
        cell(h, &rate_text(b.events_rate));
        cell(
            h,
            &b.bytes_rate
                .map_or("N/A".into(), |v| format!("{}/s", bytes(Some(v)))),
        );
        cell(h, &opt(b.output_errors));
        cell(h, &bytes(b.memory));
        cell(h, &b.version);
        h.close("tr");
    }
    h.close("tbody").close("table");
}

/// The Beats overview.
pub(crate) fn beats(
    m: &Mon<'_>,
    c: &ClusterSummary,
    s: &BeatsSummary,
    list: &[Chart],
    instances: &[BeatRow],
) -> String {
    frame(m, Some(c), "Beats", |h| {
        h.open(
            "dl",
            &[("class", "statusbar"), ("data-test-subj", "beatsSummary")],
        );
        stat(h, "Total Beats", &s.total.to_string(), "totalBeats");
        for (t, n) in &s.types {
            stat(h, t, &n.to_string(), "beatsByType");
        }
        stat(h, "Total Events", &opt(s.events), "totalEvents");
        stat(h, "Bytes Sent", &bytes(s.bytes), "bytesSent");
        h.close("dl");
        charts(h, list);
        beats_table(h, m, c, instances);
    })
}

/// The Beats instance list.
pub(crate) fn beats_list(m: &Mon<'_>, c: &ClusterSummary, instances: &[BeatRow]) -> String {
    frame(m, Some(c), "Beats", |h| beats_table(h, m, c, instances))
}

/// A Beat's page.
pub(crate) fn beat(m: &Mon<'_>, c: &ClusterSummary, b: &BeatRow, list: &[Chart]) -> String {
    frame(m, Some(c), &b.name, |h| {
        h.open(
            "dl",
            &[("class", "statusbar"), ("data-test-subj", "beatSummary")],
        );
        stat(h, "Name", &b.name, "name");
        stat(h, "Host", &b.host, "host");
        stat(h, "Version", &b.version, "version");
        stat(h, "Type", &b.beat_type, "type");
        stat(h, "Output", &b.output, "output");
        stat(h, "Config Reloads", &opt(b.config_reloads), "configReloads");
        stat(h, "Uptime", &duration(b.uptime_ms), "uptime");
        stat(h, "Events Total", &opt(b.events_total), "eventsTotal");
        stat(h, "Events Emitted", &opt(b.events_emitted), "eventsEmitted");
        stat(h, "Events Dropped", &opt(b.events_dropped), "eventsDropped");
        stat(h, "Bytes Sent", &bytes(b.bytes_sent), "bytesWritten");
        stat(
            h,
            "Handles Limit (soft / hard)",
            &format!("{} / {}", opt(b.handles_soft), opt(b.handles_hard)),
            "handleLimit",
        );
        h.close("dl");
        charts(h, list);
    })
}

/// An entity that has no document in the range.
pub(crate) fn not_found(m: &Mon<'_>, message: &str) -> Response {
    let html = frame(m, None, "Not found", |h| {
        h.element("p", &[("role", "alert")], message);
    });
    (StatusCode::NOT_FOUND, HtmlBody(html)).into_response()
}

/// "No monitoring data found", with what was found and what to change.
pub(crate) fn no_data(m: &Mon<'_>, d: &Diagnosis) -> String {
    frame(m, None, "No monitoring data found", |h| {
        h.open("section", &[("data-test-subj", "noDataContainer")]);
        match d.cause() {
            Cause::NothingCollected => {
                h.element("h2", &[], "Nothing has been collected yet")
                    .element(
                        "p",
                        &[],
                        "No .monitoring-es-* index holds documents. Stack Monitoring reads what the shipper collects: enable its elasticsearch module with xpack.enabled: true (ironstack shipper modules enable elasticsearch-xpack), pointed at the node as a user with the remote_monitoring_collector and remote_monitoring_agent roles (remote_monitoring_user), and set monitoring.enabled: true in the shipper's configuration for the Beats pages.",
                    );
            }
            Cause::NoPermission => {
                h.element("h2", &[], "You cannot read the monitoring data")
                    .element(
                        "p",
                        &[],
                        "Monitoring documents exist, but your roles do not let you read the .monitoring-* indices. Ask an administrator to give you the monitoring_user role (together with kibana_admin or another role that lets you log in).",
                    );
            }
            Cause::OutsideRange => {
                h.element("h2", &[], "No data in this time range")
                    .element(
                        "p",
                        &[],
                        "You can read monitoring documents, but none of the selected cluster lies in the selected time range. Widen the time range (for example From: now-7d), or check that the shipper is still running.",
                    );
            }
        }
        h.element("h3", &[], "What was found");
        h.open("ul", &[("data-test-subj", "noDataDiagnosis")]);
        h.element(
            "li",
            &[],
            &format!(
                "Documents you can read in .monitoring-es-*: {}",
                d.user_documents
            ),
        );
        if let Some(ms) = d.newest_ms {
            let at = ironstack_types::date::timestamp_from_millis(ms)
                .map(ironstack_types::date::format_iso_millis)
                .unwrap_or_default();
            h.element("li", &[], &format!("Newest document: {at}"));
        }
        if !d.clusters_seen.is_empty() {
            h.element(
                "li",
                &[],
                &format!("Cluster uuids seen: {}", d.clusters_seen.join(", ")),
            );
        }
        if let Some(n) = d.existing_documents {
            h.element(
                "li",
                &[],
                &format!("Documents that exist in .monitoring-es-*: {n}"),
            );
        }
        if !d.existing_indices.is_empty() {
            h.element(
                "li",
                &[],
                &format!(
                    "Monitoring indices and data streams: {}",
                    d.existing_indices.join(", ")
                ),
            );
        }
        for cluster in &d.beats_clusters {
            let label = if cluster == super::query::STANDALONE_CLUSTER {
                "Standalone cluster"
            } else {
                cluster.as_str()
            };
            h.open("li", &[])
                .text("Beats report in this range for ")
                .element(
                    "a",
                    &[
                        ("href", &m.link("/beats", cluster)),
                        ("data-test-subj", "beatsOnly"),
                    ],
                    label,
                )
                .close("li");
        }
        if let Some(may) = d.user_may_read {
            h.element(
                "li",
                &[],
                &format!(
                    "You may read .monitoring-es-*: {}",
                    if may { "yes" } else { "no" }
                ),
            );
        }
        h.close("ul").close("section");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_kibana_prints_them() {
        assert_eq!(bytes(Some(512.0)), "512 B");
        assert_eq!(bytes(Some(1536.0)), "1.5 KB");
        assert_eq!(bytes(Some(3.0 * 1024.0 * 1024.0 * 1024.0)), "3.0 GB");
        assert_eq!(bytes(None), "N/A");
        assert_eq!(duration(Some(90_000.0)), "1 minute");
        assert_eq!(duration(Some(7_200_000.0)), "2 hours");
        assert_eq!(duration(Some(3.0 * 86_400_000.0)), "3 days");
        assert_eq!(status_text("yellow"), "Yellow");
    }
}
