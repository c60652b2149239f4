//! The figures Stack Monitoring computes from what the node answers: per-second rates as
//! Elasticsearch's `derivative` (`gap_policy: skip`, `unit: 1s`) gives them to Kibana,
//! latencies as Δtime / Δcount, list rates as Kibana's `calculateRate`, and the Beats
//! overview's totals per ephemeral id.

use serde_json::Value;

/// One point of a chart: the bucket's start (epoch ms) and its value, if any.
pub(crate) type Point = (i64, Option<f64>);

/// The values of one sub-aggregation per `date_histogram` bucket: a metric's `value`, or
/// for a per-instance `terms` the sum of the instances' `max` (null when no instance has one).
pub(crate) fn bucket_values(histogram: &Value, name: &str) -> Vec<Point> {
    let Some(buckets) = histogram["buckets"].as_array() else {
        return Vec::new();
    };
    buckets
        .iter()
        .filter_map(|b| {
            let key = b["key"].as_i64()?;
            let agg = &b[name];
            let value = if let Some(instances) = agg["buckets"].as_array() {
                let values: Vec<f64> = instances
                    .iter()
                    .filter_map(|i| i["per_instance"]["value"].as_f64())
                    .collect();
                (!values.is_empty()).then(|| values.iter().sum())
            } else {
                agg["value"].as_f64()
            };
            Some((key, value))
        })
        .collect()
}

/// The change since the previous bucket with a value (Elasticsearch's `derivative` with
/// `gap_policy: skip`): `(raw difference, difference per second)`; the first bucket and
/// buckets without a value have none.
fn differences(points: &[Point]) -> Vec<(i64, Option<(f64, f64)>)> {
    let mut last: Option<(i64, f64)> = None;
    points
        .iter()
        .map(|&(key, value)| {
            let Some(v) = value else {
                return (key, None);
            };
            let out = last.and_then(|(last_key, last_v)| {
                let seconds = (key - last_key) as f64 / 1000.0;
                (seconds > 0.0).then(|| (v - last_v, (v - last_v) / seconds))
            });
            last = Some((key, v));
            (key, out)
        })
        .collect()
}

/// A counter's rate per second; a negative rate (the counter was reset) is no value, as in
/// Kibana.
pub(crate) fn rate(points: &[Point]) -> Vec<Point> {
    differences(points)
        .into_iter()
        .map(|(key, d)| (key, d.map(|(_, per_s)| per_s).filter(|r| *r >= 0.0)))
        .collect()
}

/// Latency in ms: Δtime_in_millis / Δcount per bucket, as Kibana's latency calculations: a
/// negative difference is no value, a missing or zero one gives 0.
pub(crate) fn latency(time_ms: &[Point], count: &[Point]) -> Vec<Point> {
    let time = differences(time_ms);
    let count = differences(count);
    time.into_iter()
        .zip(count)
        .map(|((key, t), (_, c))| {
            let t = t.map(|(raw, _)| raw).unwrap_or(0.0);
            let c = c.map(|(raw, _)| raw).unwrap_or(0.0);
            let value = if t != 0.0 && c != 0.0 {
                (t >= 0.0 && c >= 0.0).then_some(t / c)
            } else {
                Some(0.0)
            };
            (key, value)
        })
        .collect()
}

/// Keeps the buckets inside the picker's range: not starting before `min`, not ending
/// after `max` (Kibana drops the partial ones at both ends).
pub(crate) fn trim(points: Vec<Point>, min: i64, max: i64, bucket_ms: i64) -> Vec<Point> {
    points
        .into_iter()
        .filter(|(key, _)| *key >= min && key + bucket_ms <= max)
        .collect()
}

/// Kibana's `calculateRate` for list tables: (latest − earliest) / the picker's range in
/// seconds; a negative difference (a restart) gives latest / range, flagged as an estimate;
/// hits less than 1 ms apart give none.
pub(crate) fn list_rate(
    latest: Option<(i64, f64)>,
    earliest: Option<(i64, f64)>,
    range_ms: i64,
) -> (Option<f64>, bool) {
    let (Some((latest_t, latest_v)), Some((earliest_t, earliest_v))) = (latest, earliest) else {
        return (None, false);
    };
    if latest_t - earliest_t < 1 || range_ms == 0 {
        return (None, false);
    }
    let seconds = range_ms as f64 / 1000.0;
    let delta = latest_v - earliest_v;
    if delta < 0.0 {
        (Some(latest_v / seconds), true)
    } else {
        (Some(delta / seconds), false)
    }
}

/// The Beats overview's Total Events or Bytes Sent: over the `terms` buckets of ephemeral
/// ids (one per process run, so restarts do not subtract), Σ max − Σ min.
pub(crate) fn total_over_runs(
    ephemeral_ids: &Value,
    min_name: &str,
    max_name: &str,
) -> Option<f64> {
    let buckets = ephemeral_ids["buckets"].as_array()?;
    let mut sum_min = 0.0;
    let mut sum_max = 0.0;
    let mut any = false;
    for b in buckets {
        if let (Some(lo), Some(hi)) = (b[min_name]["value"].as_f64(), b[max_name]["value"].as_f64())
        {
            sum_min += lo;
            sum_max += hi;
            any = true;
        }
    }
    any.then_some(sum_max - sum_min).filter(|v| *v >= 0.0)
}

/// The last value of a series (what a list cell shows).
pub(crate) fn last_value(points: &[Point]) -> Option<f64> {
    points.iter().rev().find_map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rate_is_the_per_second_derivative_and_skips_gaps_and_resets() {
        let points = vec![
            (0, Some(100.0)),
            (10_000, Some(150.0)),
            (20_000, None),
            (30_000, Some(250.0)),
            (40_000, Some(10.0)),
        ];
        assert_eq!(
            rate(&points),
            vec![
                (0, None),
                (10_000, Some(5.0)),
                (20_000, None),
                (30_000, Some(5.0)),
                (40_000, None)
            ]
        );
    }

    #[test]
    fn latency_divides_time_by_count_differences() {
        let time = vec![
            (0, Some(1000.0)),
            (10_000, Some(1300.0)),
            (20_000, Some(1300.0)),
            (30_000, Some(100.0)),
        ];
        let count = vec![
            (0, Some(50.0)),
            (10_000, Some(80.0)),
            (20_000, Some(80.0)),
            (30_000, Some(90.0)),
        ];
        assert_eq!(
            latency(&time, &count),
            vec![
                (0, Some(0.0)),
                (10_000, Some(10.0)),
                (20_000, Some(0.0)),
                (30_000, None)
            ]
        );
    }

    #[test]
    fn trimming_drops_partial_buckets() {
        let points = vec![
            (0, Some(1.0)),
            (30_000, Some(2.0)),
            (60_000, Some(3.0)),
            (90_000, Some(4.0)),
        ];
        assert_eq!(
            trim(points, 30_000, 90_000, 30_000),
            vec![(30_000, Some(2.0)), (60_000, Some(3.0))]
        );
    }

    #[test]
    fn list_rates_as_kibana_calculates_them() {
        assert_eq!(
            list_rate(Some((3_600_000, 7300.0)), Some((0, 100.0)), 3_600_000),
            (Some(2.0), false)
        );
        assert_eq!(
            list_rate(Some((3_600_000, 36.0)), Some((0, 100.0)), 3_600_000),
            (Some(0.01), true)
        );
        assert_eq!(
            list_rate(Some((5, 1.0)), Some((5, 0.0)), 3_600_000),
            (None, false)
        );
        assert_eq!(list_rate(None, Some((0, 0.0)), 3_600_000), (None, false));
    }

    #[test]
    fn bucket_values_read_metrics_and_sum_instances() {
        let h = json!({"buckets": [
            {"key": 0, "m": {"value": 3.0}, "s": {"buckets": [
                {"key": "a", "per_instance": {"value": 1.0}},
                {"key": "b", "per_instance": {"value": 2.5}}
            ]}},
            {"key": 10000, "m": {"value": null}, "s": {"buckets": []}}
        ]});
        assert_eq!(bucket_values(&h, "m"), vec![(0, Some(3.0)), (10_000, None)]);
        assert_eq!(bucket_values(&h, "s"), vec![(0, Some(3.5)), (10_000, None)]);
    }

    #[test]
    fn totals_survive_restarts_by_grouping_runs() {
        let ids = json!({"buckets": [
            {"key": "run1", "min_events": {"value": 100.0}, "max_events": {"value": 400.0}},
            {"key": "run2", "min_events": {"value": 0.0}, "max_events": {"value": 50.0}}
        ]});
        assert_eq!(
            total_over_runs(&ids, "min_events", "max_events"),
            Some(350.0)
        );
        assert_eq!(total_over_runs(&json!({"buckets": []}), "a", "b"), None);
    }
}
