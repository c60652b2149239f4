//! The `cardinality` sketch, shaped like Elasticsearch's `HyperLogLogPlusPlus`: the hashes of
//! distinct values are kept exactly (linear counting) until there are a quarter as many as
//! the sketch has registers, then HyperLogLog registers take over. The precision comes from
//! `precision_threshold` as `precisionFromThreshold` derives it, so counts below the
//! threshold are exact.

use std::collections::HashSet;

/// A distinct-count sketch over 64-bit hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct Cardinality {
    precision: u32,
    exact: Option<HashSet<u64, BuildFx>>,
    registers: Vec<u8>,
}

/// A plain multiplicative hasher for keys that are already hashes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BuildFx;

/// The hasher of [`BuildFx`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

impl std::hash::BuildHasher for BuildFx {
    type Hasher = Fx;

    fn build_hasher(&self) -> Fx {
        Fx(0)
    }
}

/// `HyperLogLogPlusPlus.precisionFromThreshold`.
fn precision_from_threshold(threshold: u64) -> u32 {
    let entries = (threshold as f64 / 0.75).ceil() as u64;
    let bytes = entries.saturating_mul(4);
    let bits = 64 - bytes.leading_zeros();
    bits.clamp(4, 18)
}

impl Cardinality {
    /// An empty sketch for `precision_threshold` (capped at 40,000).
    pub fn new(precision_threshold: u64) -> Self {
        Self {
            precision: precision_from_threshold(precision_threshold.min(40_000)),
            exact: Some(HashSet::default()),
            registers: Vec::new(),
        }
    }

    fn linear_limit(&self) -> usize {
        (1usize << self.precision) / 4
    }

    /// Adds the hash of one value.
    pub fn add(&mut self, hash: u64) {
        if let Some(set) = &mut self.exact {
            set.insert(hash);
            if set.len() > (1usize << self.precision) / 4 {
                self.upgrade();
            }
        } else {
            self.add_register(hash);
        }
    }

    fn upgrade(&mut self) {
        if let Some(set) = self.exact.take() {
            self.registers = vec![0; 1 << self.precision];
            for h in set {
                self.add_register(h);
            }
        }
    }

    fn add_register(&mut self, hash: u64) {
        let p = self.precision;
        let index = (hash >> (64 - p)) as usize;
        let w = (hash << p) | (1u64 << (p - 1));
        let rank = (w.leading_zeros() + 1) as u8;
        if let Some(r) = self.registers.get_mut(index)
            && rank > *r
        {
            *r = rank;
        }
    }

    /// Merges `other` (same threshold) into this one.
    pub fn merge(&mut self, other: &Cardinality) {
        if other.precision != self.precision {
            // Thresholds always match within one request; keep the coarser sketch.
            let mut other = other.clone();
            if let Some(set) = other.exact.take() {
                for h in set {
                    self.add(h);
                }
            } else {
                self.upgrade();
                other.upgrade();
            }
            return;
        }
        match &other.exact {
            Some(set) => {
                for h in set {
                    self.add(*h);
                }
            }
            None => {
                self.upgrade();
                for (mine, theirs) in self.registers.iter_mut().zip(&other.registers) {
                    *mine = (*mine).max(*theirs);
                }
            }
        }
        if self
            .exact
            .as_ref()
            .is_some_and(|s| s.len() > self.linear_limit())
        {
            self.upgrade();
        }
    }

    /// The estimated number of distinct values.
    pub fn value(&self) -> u64 {
        if let Some(set) = &self.exact {
            return set.len() as u64;
        }
        let m = self.registers.len() as f64;
        let alpha = match self.registers.len() {
            16 => 0.673,
            32 => 0.697,
            64 => 0.709,
            _ => 0.7213 / (1.0 + 1.079 / m),
        };
        let mut sum = 0.0;
        let mut zeros = 0usize;
        for r in &self.registers {
            sum += 2f64.powi(-i32::from(*r));
            if *r == 0 {
                zeros += 1;
            }
        }
        let raw = alpha * m * m / sum;
        let estimate = if raw <= 5.0 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        estimate.round().max(0.0) as u64
    }
}
