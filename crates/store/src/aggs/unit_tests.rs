//! The sketches (`percentiles`' digest, `cardinality`'s counter), `bucket_script`'s
//! arithmetic and the number spelling, each against values worked out by hand.

use std::collections::BTreeMap;

use super::{Cardinality, Digest, Expr, java_double, murmur3_x64_128_h1};

/// The exact percentile as `Dist.quantile` gives it: `q * (n - 1)`, linear interpolation.
fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
    let index = q * (sorted.len() - 1) as f64;
    let low = index.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    sorted[low] + (index - low as f64) * (sorted[high] - sorted[low])
}

#[test]
fn digest_is_exact_below_the_sorting_limit() {
    let mut d = Digest::new(100.0);
    for v in [200.0, 10.0, 175.0, 50.0, 200.0, 150.0, 200.0] {
        d.add(v);
    }
    assert!(d.is_exact());
    assert_eq!(d.size(), 7);
    // Sorted: 10, 50, 150, 175, 200, 200, 200; q = 0.25 sits at index 1.5.
    assert_eq!(d.quantile(0.25), 100.0);
    assert_eq!(d.quantile(0.5), 175.0);
    assert_eq!(d.quantile(0.0), 10.0);
    assert_eq!(d.quantile(1.0), 200.0);
    assert!(Digest::new(100.0).quantile(0.5).is_nan());
}

#[test]
fn merging_exact_digests_equals_one_digest_over_all_values() {
    let values: Vec<f64> = (0..150).map(|i| ((i * 37) % 101) as f64 * 1.5).collect();
    let mut whole = Digest::new(100.0);
    let (mut left, mut right) = (Digest::new(100.0), Digest::new(100.0));
    for (i, v) in values.iter().enumerate() {
        whole.add(*v);
        if i % 3 == 0 {
            left.add(*v)
        } else {
            right.add(*v)
        }
    }
    left.merge(&right);
    assert!(left.is_exact());
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    for q in [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] {
        assert_eq!(left.quantile(q), whole.quantile(q));
        assert_eq!(left.quantile(q), exact_quantile(&sorted, q));
    }
}

#[test]
fn merging_past_the_sorting_limit_becomes_a_bounded_sketch() {
    // 2,000 values are the limit at compression 100: two halves of 1,500 overflow it.
    let mut left = Digest::new(100.0);
    let mut right = Digest::new(100.0);
    for i in 0..1_500 {
        left.add(f64::from(i));
        right.add(f64::from(i + 1_500));
    }
    assert!(left.is_exact() && right.is_exact());
    left.merge(&right);
    assert!(!left.is_exact());
    assert_eq!(left.size(), 3_000);
    let median = left.quantile(0.5);
    assert!((median - 1_499.5).abs() < 15.0, "median {median}");
    assert_eq!(left.quantile(0.0), 0.0);
    assert_eq!(left.quantile(1.0), 2_999.0);
}

#[test]
fn large_digests_stay_close_to_the_true_percentiles_and_merge() {
    // A skewed distribution over 200,000 values split across three sketches.
    let values: Vec<f64> = (0..200_000u64)
        .map(|i| {
            let u = ((i.wrapping_mul(2_654_435_761)) % 1_000_003) as f64 / 1_000_003.0;
            u * u * 1_000.0
        })
        .collect();
    let mut parts = [Digest::new(100.0), Digest::new(100.0), Digest::new(100.0)];
    for (i, v) in values.iter().enumerate() {
        parts[i % 3].add(*v);
    }
    let [mut a, b, c] = parts;
    a.merge(&b);
    a.merge(&c);
    assert_eq!(a.size(), 200_000);
    let mut sorted = values;
    sorted.sort_by(f64::total_cmp);
    for q in [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] {
        let want = exact_quantile(&sorted, q);
        let got = a.quantile(q);
        // Rank error under half a percent at compression 100.
        let rank = sorted.partition_point(|v| *v < got) as f64 / sorted.len() as f64;
        assert!(
            (rank - q).abs() < 0.005,
            "q {q}: {got} vs {want} (rank {rank})"
        );
    }
}

#[test]
fn cardinality_is_exact_below_the_threshold_and_close_above() {
    let hash = |i: u64| murmur3_x64_128_h1(format!("value-{i}").as_bytes());
    let mut small = Cardinality::new(3_000);
    for i in 0..2_500u64 {
        small.add(hash(i));
        small.add(hash(i));
    }
    assert_eq!(small.value(), 2_500);

    let (mut a, mut b) = (Cardinality::new(100), Cardinality::new(100));
    for i in 0..50_000u64 {
        if i % 2 == 0 {
            a.add(hash(i))
        } else {
            b.add(hash(i))
        }
        // Overlap: half of b's values are also in a.
        if i % 4 == 1 {
            a.add(hash(i));
        }
    }
    a.merge(&b);
    let estimate = a.value() as f64;
    assert!((estimate - 50_000.0).abs() / 50_000.0 < 0.1, "{estimate}");
}

#[test]
fn bucket_script_arithmetic_follows_painless() {
    let params: BTreeMap<String, f64> = [("a".to_string(), 3.0), ("b".to_string(), 4.0)]
        .into_iter()
        .collect();
    let eval = |s: &str| Expr::parse(s).and_then(|e| e.eval(&params));
    assert_eq!(eval("params.a + params.b * 2").ok(), Some(11.0));
    assert_eq!(eval("(params.a + params.b) * 2").ok(), Some(14.0));
    assert_eq!(eval("params.a / params.b * 100").ok(), Some(75.0));
    assert_eq!(eval("return -params.a - -1;").ok(), Some(-2.0));
    // Integers divide as integers; a double anywhere makes the result a double.
    assert_eq!(eval("7 / 2").ok(), Some(3.0));
    assert_eq!(eval("7 / 2.0").ok(), Some(3.5));
    assert!(eval("1 / 0").is_err());
    assert_eq!(eval("params.a / 0").ok(), Some(f64::INFINITY));
    assert!(eval("params.c + 1").is_err());
    for refused in [
        "Math.log(params.a)",
        "params.a > 1 ? 1 : 0",
        "params",
        "1 +",
    ] {
        assert!(Expr::parse(refused).is_err(), "{refused}");
    }
}

#[test]
fn doubles_are_spelled_as_java_spells_them() {
    assert_eq!(java_double(1.0), "1.0");
    assert_eq!(java_double(100.0), "100.0");
    assert_eq!(java_double(0.1), "0.1");
    assert_eq!(java_double(-2.5), "-2.5");
    assert_eq!(java_double(1e7), "1.0E7");
    assert_eq!(java_double(0.0001), "1.0E-4");
}

#[test]
fn adding_a_block_equals_adding_its_values_one_by_one() {
    // Across the switch from exact to merging (2,000 values) and several merge passes,
    // with NaNs (skipped) inside the blocks.
    let values: Vec<f64> = (0..30_000u64)
        .map(|i| match i % 997 {
            0 => f64::NAN,
            _ => ((i.wrapping_mul(2_654_435_761)) % 100_003) as f64 / 7.0 - 5_000.0,
        })
        .collect();
    let mut one_by_one = Digest::new(100.0);
    values.iter().for_each(|v| one_by_one.add(*v));
    let mut blocks = Digest::new(100.0);
    for block in values.chunks(64) {
        blocks.add_all(block);
    }
    assert!(!blocks.is_exact());
    assert_eq!(blocks.size(), one_by_one.size());
    assert_eq!(blocks.size(), 30_000 - 31);
    for q in [0.0, 0.001, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999, 1.0] {
        assert_eq!(blocks.quantile(q), one_by_one.quantile(q), "q {q}");
    }
    let mut small = Digest::new(100.0);
    small.add_all(&[3.0, f64::NAN, 1.0, 2.0]);
    assert!(small.is_exact());
    assert_eq!(small.size(), 3);
    assert_eq!(small.quantile(0.5), 2.0);
}

#[test]
fn centroids_of_huge_values_stay_finite_and_ordered() {
    // Half the values at half of f64::MAX, half near it: the centroid where they meet sums
    // distances past f64::MAX, and its mean must still be a mean of its values.
    let (low, high) = (f64::MAX / 2.0, f64::MAX / 1.01);
    let mut d = Digest::new(100.0);
    let values: Vec<f64> = (0..10_000)
        .map(|i| if i % 2 == 0 { low } else { high })
        .collect();
    d.add_all(&values);
    let mut last = f64::NEG_INFINITY;
    for q in [0.0, 0.1, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 1.0] {
        let v = d.quantile(q);
        assert!(v.is_finite() && v >= low && v <= high, "q {q}: {v}");
        assert!(v >= last, "q {q}: {v} below {last}");
        last = v;
    }
    assert_eq!(d.quantile(0.1), low);
    assert_eq!(d.quantile(0.9), high);
    // The same shape at ordinary magnitudes, for comparison: the digest's median sits
    // between the two values as it does here.
    let mut small = Digest::new(100.0);
    let scale = low / 0.5;
    small.add_all(&values.iter().map(|v| v / scale).collect::<Vec<_>>());
    let ratio = d.quantile(0.5) / scale;
    assert!(
        (ratio - small.quantile(0.5)).abs() < 1e-9,
        "{ratio} vs {}",
        small.quantile(0.5)
    );
}
