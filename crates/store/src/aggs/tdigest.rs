//! The percentile sketch as Elasticsearch's default `HybridDigest` behaves: every value kept
//! and sorted (exact percentiles, linearly interpolated at `q * (n - 1)`) until a shard sees
//! `20 * compression` values (2,000 by default), then a merging t-digest bounded by
//! `compression`. Merging results from several indices keeps exact sketches exact, as
//! `HybridDigest.add(TDigest)` does.

/// A percentile sketch.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    compression: f64,
    max_sorting: usize,
    exact: Option<Vec<f64>>,
    sorted: bool,
    merging: Option<Merging>,
    min: f64,
    max: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct Merging {
    /// `(mean, weight)`, sorted by mean after [`Merging::compress`].
    centroids: Vec<(f64, f64)>,
    buffer: Vec<(f64, f64)>,
    total: f64,
    compression: f64,
}

impl Merging {
    fn new(compression: f64) -> Self {
        Self {
            centroids: Vec::new(),
            buffer: Vec::new(),
            total: 0.0,
            compression,
        }
    }

    fn add(&mut self, x: f64, w: f64) {
        self.buffer.push((x, w));
        self.total += w;
        if self.buffer.len() >= (self.compression * 5.0) as usize + 10 {
            self.compress();
        }
    }

    fn compress(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let mut all = std::mem::take(&mut self.centroids);
        all.append(&mut self.buffer);
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = all.iter().map(|c| c.1).sum();
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(all.len().min(1024));
        let mut so_far = 0.0;
        let mut iter = all.into_iter();
        let Some(mut cur) = iter.next() else { return };
        for next in iter {
            let proposed = cur.1 + next.1;
            let q0 = so_far / total;
            let q2 = (so_far + proposed) / total;
            let limit = total * (q0 * (1.0 - q0)).min(q2 * (1.0 - q2)) * 4.0 / self.compression;
            if proposed <= limit.max(1.0) && cur.1 + next.1 > 0.0 {
                cur.0 += (next.0 - cur.0) * next.1 / proposed;
                cur.1 = proposed;
            } else {
                so_far += cur.1;
                out.push(cur);
                cur = next;
            }
        }
        out.push(cur);
        self.centroids = out;
        self.total = total;
    }

    fn quantile(&mut self, q: f64, min: f64, max: f64) -> f64 {
        self.compress();
        let c = &self.centroids;
        match c.len() {
            0 => return f64::NAN,
            1 => return c[0].0,
            _ => {}
        }
        let index = q * self.total;
        if index < 1.0 {
            return min;
        }
        if index > self.total - 1.0 {
            return max;
        }
        // Between min and the first centroid's center.
        let first_center = c[0].1 / 2.0;
        if index < first_center {
            return min
                + (c[0].0 - min) * (index - 0.5) / (first_center - 0.5).max(f64::MIN_POSITIVE);
        }
        let mut cum = 0.0;
        for pair in c.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let center_a = cum + a.1 / 2.0;
            let center_b = cum + a.1 + b.1 / 2.0;
            if index <= center_b {
                let span = center_b - center_a;
                if span <= 0.0 {
                    return a.0;
                }
                return a.0 + (b.0 - a.0) * (index - center_a) / span;
            }
            cum += a.1;
        }
        let last = c[c.len() - 1];
        let last_center = self.total - last.1 / 2.0;
        let span = (self.total - 0.5) - last_center;
        if span <= 0.0 {
            return last.0;
        }
        last.0 + (max - last.0) * (index - last_center) / span
    }
}

impl Digest {
    /// An empty sketch with `compression` (100 by default).
    pub fn new(compression: f64) -> Self {
        let compression = if compression.is_finite() && compression > 0.0 {
            compression
        } else {
            100.0
        };
        Self {
            compression,
            max_sorting: (compression.round() as usize).saturating_mul(20).max(1),
            exact: Some(Vec::new()),
            sorted: true,
            merging: None,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds one value.
    pub fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if let Some(values) = &mut self.exact {
            if values.len() + 1 >= self.max_sorting {
                let mut merging = Merging::new(self.compression);
                for v in values.drain(..) {
                    merging.add(v, 1.0);
                }
                self.exact = None;
                merging.add(x, 1.0);
                self.merging = Some(merging);
                return;
            }
            values.push(x);
            self.sorted = false;
        } else if let Some(m) = &mut self.merging {
            m.add(x, 1.0);
        }
    }

    /// How many values it holds.
    pub fn size(&self) -> u64 {
        match (&self.exact, &self.merging) {
            (Some(v), _) => v.len() as u64,
            (None, Some(m)) => m.total as u64,
            _ => 0,
        }
    }

    /// Whether every value is kept (percentiles are exact).
    pub fn is_exact(&self) -> bool {
        self.exact.is_some()
    }

    /// Merges `other` into this sketch (the reduction across indices).
    pub fn merge(&mut self, other: &Digest) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        match (&mut self.exact, &other.exact, &other.merging) {
            (Some(mine), Some(theirs), _) => {
                mine.extend_from_slice(theirs);
                self.sorted = false;
            }
            (Some(mine), None, Some(theirs)) => {
                let mut merging = Merging::new(self.compression);
                for v in mine.drain(..) {
                    merging.add(v, 1.0);
                }
                let mut theirs = theirs.clone();
                theirs.compress();
                for (m, w) in theirs.centroids {
                    merging.add(m, w);
                }
                self.exact = None;
                self.merging = Some(merging);
            }
            (None, Some(theirs), _) => {
                if let Some(m) = &mut self.merging {
                    for v in theirs {
                        m.add(*v, 1.0);
                    }
                }
            }
            (None, None, Some(theirs)) => {
                if let Some(m) = &mut self.merging {
                    let mut theirs = theirs.clone();
                    theirs.compress();
                    for (mean, w) in theirs.centroids {
                        m.add(mean, w);
                    }
                }
            }
            _ => {}
        }
    }

    /// The value at quantile `q` (0 to 1); NaN when empty.
    pub fn quantile(&mut self, q: f64) -> f64 {
        if let Some(values) = &mut self.exact {
            if !self.sorted {
                values.sort_by(f64::total_cmp);
                self.sorted = true;
            }
            let n = values.len();
            if n == 0 {
                return f64::NAN;
            }
            let index = q * (n - 1) as f64;
            if index <= 0.0 {
                return values[0];
            }
            if index >= (n - 1) as f64 {
                return values[n - 1];
            }
            let low = index.floor() as usize;
            let weight = index - low as f64;
            return values[low] + weight * (values[low + 1] - values[low]);
        }
        let (min, max) = (self.min, self.max);
        match &mut self.merging {
            Some(m) => m.quantile(q, min, max),
            None => f64::NAN,
        }
    }
}
