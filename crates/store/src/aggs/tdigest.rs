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
    /// Values of weight 1 not merged yet (sorted in batches: cheaper than pairs).
    buffer: Vec<f64>,
    /// Weighted centroids from another sketch, not merged yet.
    weighted: Vec<(f64, f64)>,
    total: f64,
    compression: f64,
}

/// Sorts doubles (never NaN) through their order-preserving integer form: integer
/// comparisons are cheaper than `total_cmp`'s per-comparison conversion. (Measured on the
/// dashboard's batches of 8,192: a bucket sort by value and an LSD radix sort both came
/// out slower than this comparison sort.)
fn sort_f64(values: &mut [f64], keys: &mut Vec<u64>) {
    fn key(v: f64) -> u64 {
        let b = v.to_bits();
        if b >> 63 == 1 { !b } else { b | (1 << 63) }
    }
    fn back(k: u64) -> f64 {
        f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
    }
    keys.clear();
    keys.extend(values.iter().map(|v| key(*v)));
    keys.sort_unstable();
    for (v, k) in values.iter_mut().zip(keys.iter()) {
        *v = back(*k);
    }
}

/// How many values wait before a merge pass.
const BUFFER: usize = 8192;

/// A centroid being filled: its weight and the weighted sum of its values' distances from
/// a base value (its first value at the start). Sums instead of a running mean keep a
/// division out of every merged value's step.
struct Open {
    base: f64,
    delta: f64,
    weight: f64,
    /// Its smallest and largest values (they arrive sorted): the mean stays within them.
    low: f64,
    high: f64,
}

impl Open {
    fn new((mean, weight): (f64, f64)) -> Open {
        Open {
            base: mean,
            delta: 0.0,
            weight,
            low: mean,
            high: mean,
        }
    }

    #[inline]
    fn push(&mut self, x: f64, w: f64) {
        let weight = self.weight + w;
        let delta = self.delta + (x - self.base) * w;
        if delta.is_finite() {
            self.delta = delta;
        } else {
            // The sum overflowed (values near f64::MAX): go on from the mean so far,
            // combined with `x` without forming a sum.
            self.base = self.mean() * (self.weight / weight) + x * (w / weight);
            self.delta = 0.0;
        }
        self.weight = weight;
        self.high = x;
    }

    fn mean(&self) -> f64 {
        (self.base + self.delta / self.weight).clamp(self.low, self.high)
    }
}

impl Merging {
    fn new(compression: f64) -> Self {
        Self {
            centroids: Vec::new(),
            buffer: Vec::new(),
            weighted: Vec::new(),
            total: 0.0,
            compression,
        }
    }

    fn add(&mut self, x: f64, w: f64) {
        if w == 1.0 {
            self.buffer.push(x);
        } else {
            self.weighted.push((x, w));
        }
        self.total += w;
        if self.buffer.len() + self.weighted.len() >= BUFFER {
            self.compress();
        }
    }

    /// Adds values of weight 1 (none NaN).
    fn add_all(&mut self, mut xs: &[f64]) {
        while !xs.is_empty() {
            let room = BUFFER.saturating_sub(self.buffer.len() + self.weighted.len());
            let (now, rest) = xs.split_at(room.min(xs.len()));
            self.buffer.extend_from_slice(now);
            self.total += now.len() as f64;
            xs = rest;
            if self.buffer.len() + self.weighted.len() >= BUFFER {
                self.compress();
            }
        }
    }

    fn compress(&mut self) {
        if self.buffer.is_empty() && self.weighted.is_empty() {
            return;
        }
        let mut keys = Vec::with_capacity(self.buffer.len());
        sort_f64(&mut self.buffer, &mut keys);
        let mut incoming = std::mem::take(&mut self.weighted);
        incoming.append(&mut std::mem::take(&mut self.centroids));
        incoming.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Merge the sorted values with the sorted centroids, then bound the centroid sizes
        // by q(1 - q) as the merging t-digest does.
        let total = self.total;
        let per_total = 1.0 / total;
        let scale = total * 4.0 / self.compression;
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(512);
        let mut so_far = 0.0;
        let mut cur: Option<Open> = None;
        // q(1 - q) where the open centroid starts: fixed while it fills.
        let mut start_bound = 0.0;
        let values = std::mem::take(&mut self.buffer);
        let (mut i, mut j) = (0, 0);
        loop {
            let next = if i < values.len() && (j >= incoming.len() || values[i] <= incoming[j].0) {
                i += 1;
                (values[i - 1], 1.0)
            } else if j < incoming.len() {
                j += 1;
                incoming[j - 1]
            } else {
                break;
            };
            match &mut cur {
                None => cur = Some(Open::new(next)),
                Some(c) => {
                    let proposed = c.weight + next.1;
                    let q2 = (so_far + proposed) * per_total;
                    let limit = scale * f64::min(start_bound, q2 * (1.0 - q2));
                    if proposed <= limit.max(1.0) {
                        c.push(next.0, next.1);
                    } else {
                        so_far += c.weight;
                        out.push((c.mean(), c.weight));
                        let q0 = so_far * per_total;
                        start_bound = q0 * (1.0 - q0);
                        *c = Open::new(next);
                    }
                }
            }
        }
        if let Some(c) = cur {
            out.push((c.mean(), c.weight));
        }
        self.buffer = values;
        self.buffer.clear();
        self.centroids = out;
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
            return lerp(
                min,
                c[0].0,
                (index - 0.5) / (first_center - 0.5).max(f64::MIN_POSITIVE),
            );
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
                return lerp(a.0, b.0, (index - center_a) / span);
            }
            cum += a.1;
        }
        let last = c[c.len() - 1];
        let last_center = self.total - last.1 / 2.0;
        let span = (self.total - 0.5) - last_center;
        if span <= 0.0 {
            return last.0;
        }
        lerp(last.0, max, (index - last_center) / span)
    }
}

/// The point at `t` (0 to 1) from `a` to `b`, finite for finite ends: the fraction is
/// taken before the distance is scaled, and ends further apart than f64::MAX are weighed
/// instead of subtracted.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if d.is_finite() {
        a + d * t
    } else {
        a * (1.0 - t) + b * t
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

    /// Adds values (a column's block): as many [`Digest::add`] calls, without the per-value
    /// checks once the sketch is a merging digest.
    pub fn add_all(&mut self, xs: &[f64]) {
        let mut rest = xs;
        while self.exact.is_some() {
            let Some((&x, tail)) = rest.split_first() else {
                return;
            };
            self.add(x);
            rest = tail;
        }
        let (mut lo, mut hi) = (self.min, self.max);
        let mut nan = false;
        for &x in rest {
            // min/max skip NaN; a NaN is rare enough to take the slow path for the block.
            nan |= x.is_nan();
            lo = lo.min(x);
            hi = hi.max(x);
        }
        (self.min, self.max) = (lo, hi);
        let Some(m) = &mut self.merging else { return };
        if nan {
            for &x in rest.iter().filter(|x| !x.is_nan()) {
                m.add(x, 1.0);
            }
        } else {
            m.add_all(rest);
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
                if mine.len() + theirs.len() < self.max_sorting {
                    mine.extend_from_slice(theirs);
                    self.sorted = false;
                } else {
                    // Past the sorting limit the union becomes a merging digest, as one
                    // index seeing all those values would have made it.
                    let mut merging = Merging::new(self.compression);
                    for v in mine.drain(..).chain(theirs.iter().copied()) {
                        merging.add(v, 1.0);
                    }
                    self.exact = None;
                    self.merging = Some(merging);
                }
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
