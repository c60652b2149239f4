//! Rollover: the conditions (`RolloverConditions`: `max_*` and `min_*` with Elasticsearch's
//! evaluation and `[max_age: 7d]` names), sizes in bytes as `ByteSizeValue` reads and prints
//! them, and the next index of an alias (`-000001` → `-000002`) or a data stream
//! (`.ds-<name>-<date>-<generation+1>`) with the metadata switch once the service created it.

use std::collections::BTreeMap;

use ironstack_types::TimeValue;
use ironstack_types::time_value::TimeUnit;
use serde_json::{Map, Value, json};

use super::aliases::AliasMetadata;
use super::compose::{ComposedIndex, CreateIndexBody};
use super::data_streams::backing_index_name;
use super::xcontent::{self, in_field};
use super::{Checks, ConcreteIndex, Metadata};
use crate::error::{Result, StoreError};

/// A unit of [`ByteSize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteUnit {
    /// `b`.
    Bytes,
    /// `kb`.
    Kb,
    /// `mb`.
    Mb,
    /// `gb`.
    Gb,
    /// `tb`.
    Tb,
    /// `pb`.
    Pb,
}

impl ByteUnit {
    fn factor(self) -> u64 {
        match self {
            ByteUnit::Bytes => 1,
            ByteUnit::Kb => 1 << 10,
            ByteUnit::Mb => 1 << 20,
            ByteUnit::Gb => 1 << 30,
            ByteUnit::Tb => 1 << 40,
            ByteUnit::Pb => 1 << 50,
        }
    }
}

/// A size in bytes: `ByteSizeValue`, with the number and unit it was given in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteSize {
    bytes: u64,
    rep: String,
}

impl ByteSize {
    /// `ByteSizeValue.parseBytesSizeValue(value, setting)`; fractions are accepted (and
    /// truncated to whole bytes) as Elasticsearch still does.
    pub fn parse(value: &str, setting: &str) -> Result<Self> {
        let lower = value.to_lowercase();
        let lower = lower.trim();
        let suffixes: [(&str, ByteUnit); 11] = [
            ("kb", ByteUnit::Kb),
            ("k", ByteUnit::Kb),
            ("mb", ByteUnit::Mb),
            ("m", ByteUnit::Mb),
            ("gb", ByteUnit::Gb),
            ("g", ByteUnit::Gb),
            ("tb", ByteUnit::Tb),
            ("t", ByteUnit::Tb),
            ("pb", ByteUnit::Pb),
            ("p", ByteUnit::Pb),
            ("b", ByteUnit::Bytes),
        ];
        if lower == "0" {
            return Ok(Self::from_bytes(0));
        }
        let Some((suffix, unit)) = suffixes.iter().find(|(s, _)| lower.ends_with(s)) else {
            return Err(StoreError::Parse(format!(
                "failed to parse setting [{setting}] with value [{value}] as a size in bytes: unit is missing or unrecognized"
            )));
        };
        let number = lower[..lower.len() - suffix.len()].trim();
        let failed = || {
            StoreError::Parse(format!(
                "failed to parse setting [{setting}] with value [{value}]"
            ))
        };
        let suffix_rep = match unit {
            ByteUnit::Bytes => "b",
            ByteUnit::Kb => "kb",
            ByteUnit::Mb => "mb",
            ByteUnit::Gb => "gb",
            ByteUnit::Tb => "tb",
            ByteUnit::Pb => "pb",
        };
        let (bytes, rep) = match number.parse::<i64>() {
            Ok(n) if n < 0 => {
                return Err(StoreError::Parse(format!(
                    "failed to parse setting [{setting}] with value [{value}] as a size in bytes"
                )));
            }
            Ok(n) => {
                let bytes = (n as u64).checked_mul(unit.factor()).ok_or_else(|| {
                    StoreError::Parse(format!(
                        "failed to parse setting [{setting}] with value [{value}] as a size in bytes"
                    ))
                })?;
                (bytes, format!("{n}{suffix_rep}"))
            }
            Err(_) => match number.parse::<f64>() {
                Ok(f) if f.is_finite() && f >= 0.0 => {
                    let bytes = (f * unit.factor() as f64) as u64;
                    (bytes, format!("{bytes}b"))
                }
                _ => return Err(failed()),
            },
        };
        Ok(Self { bytes, rep })
    }

    /// `getStringRep`: the number and unit as given (`50gb`), what bodies echo.
    pub fn rep(&self) -> &str {
        &self.rep
    }

    /// Bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// A size of `bytes` bytes.
    pub fn from_bytes(bytes: u64) -> Self {
        Self {
            bytes,
            rep: format!("{bytes}b"),
        }
    }
}

impl std::fmt::Display for ByteSize {
    /// `ByteSizeValue.toString`: the largest unit, one decimal truncated (`50gb`, `1.5gb`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_bytes(self.bytes))
    }
}

/// `ByteSizeValue.toString` of `bytes`: `Strings.format1Decimals` in the largest unit that
/// keeps at least 1 (`227b`, `32.6kb`).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, ByteUnit); 5] = [
        ("pb", ByteUnit::Pb),
        ("tb", ByteUnit::Tb),
        ("gb", ByteUnit::Gb),
        ("mb", ByteUnit::Mb),
        ("kb", ByteUnit::Kb),
    ];
    for (suffix, unit) in UNITS {
        if bytes >= unit.factor() {
            return format_one_decimal(bytes as f64 / unit.factor() as f64, suffix);
        }
    }
    format!("{bytes}b")
}

/// `Strings.format1Decimals`: Java's `Double.toString` cut after the first decimal, which is
/// dropped when it is 0.
fn format_one_decimal(value: f64, suffix: &str) -> String {
    let text = java_double(value);
    let (int, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    match fraction.chars().next() {
        Some(d) if d != '0' => format!("{int}.{d}{suffix}"),
        _ => format!("{int}{suffix}"),
    }
}

/// Java's `Double.toString` for the values sizes and ages take (shortest round-trip digits,
/// always with a fraction).
fn java_double(value: f64) -> String {
    let text = format!("{value}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// `TimeValue.toHumanReadableString(fraction_pieces)` (`toString` is one piece): the largest
/// unit that keeps at least 1, with up to `fraction_pieces` decimals, dropped when zero.
pub fn format_time(value: TimeValue, fraction_pieces: usize) -> String {
    let nanos = value.nanos();
    if value.duration() < 0 {
        return value.duration().to_string();
    }
    if nanos == 0 {
        return "0s".into();
    }
    let units: [(i64, &str); 6] = [
        (86_400_000_000_000, "d"),
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "micros"),
    ];
    let (amount, suffix) = units
        .iter()
        .find(|(size, _)| nanos >= *size)
        .map_or((nanos as f64, "nanos"), |(size, s)| {
            (nanos as f64 / *size as f64, *s)
        });
    let text = java_double(amount);
    let (int, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let pieces: String = fraction.chars().take(fraction_pieces.min(10)).collect();
    if pieces.is_empty() || pieces.chars().all(|c| c == '0') {
        format!("{int}{suffix}")
    } else {
        format!("{int}.{pieces}{suffix}")
    }
}

/// A duration of `millis` milliseconds.
pub fn millis(millis: i64) -> TimeValue {
    TimeValue::new(millis.max(0), TimeUnit::Milliseconds).unwrap_or(TimeValue::ZERO)
}

/// Rollover conditions (`conditions` of `_rollover`, the `rollover` ILM action).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RolloverConditions {
    /// `max_age`.
    pub max_age: Option<TimeValue>,
    /// `max_docs`.
    pub max_docs: Option<i64>,
    /// `max_size`.
    pub max_size: Option<ByteSize>,
    /// `max_primary_shard_size`.
    pub max_primary_shard_size: Option<ByteSize>,
    /// `max_primary_shard_docs`.
    pub max_primary_shard_docs: Option<i64>,
    /// `min_age`.
    pub min_age: Option<TimeValue>,
    /// `min_docs`.
    pub min_docs: Option<i64>,
    /// `min_size`.
    pub min_size: Option<ByteSize>,
    /// `min_primary_shard_size`.
    pub min_primary_shard_size: Option<ByteSize>,
    /// `min_primary_shard_docs`.
    pub min_primary_shard_docs: Option<i64>,
}

/// Figures of the index a rollover is decided on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RolloverStats {
    /// `index.creation_date` (epoch ms).
    pub creation_date: i64,
    /// Documents.
    pub docs: u64,
    /// Bytes of the index (primaries).
    pub size_bytes: u64,
    /// Bytes of its largest primary shard (the index, on one shard).
    pub max_primary_shard_size: u64,
    /// Documents of its largest primary shard.
    pub max_primary_shard_docs: u64,
}

const CONDITION_FIELDS: [&str; 10] = [
    "max_age",
    "max_docs",
    "max_size",
    "max_primary_shard_size",
    "max_primary_shard_docs",
    "min_age",
    "min_docs",
    "min_size",
    "min_primary_shard_size",
    "min_primary_shard_docs",
];

impl RolloverConditions {
    /// Parses a conditions object; `parser` names it in errors (`conditions`, `rollover`).
    pub fn parse(map: &Map<String, Value>, parser: &str) -> Result<Self> {
        xcontent::check_fields(parser, map, &CONDITION_FIELDS)?;
        let mut out = Self::default();
        for (field, value) in map {
            let time = |v: &Value| -> Result<TimeValue> {
                let text = xcontent::text(parser, field, v)?;
                TimeValue::parse(&text, field).map_err(|e| {
                    in_field(parser, field, StoreError::IllegalArgument(e.to_string()))
                })
            };
            let size = |v: &Value| -> Result<ByteSize> {
                let text = xcontent::text(parser, field, v)?;
                ByteSize::parse(&text, field).map_err(|e| in_field(parser, field, e))
            };
            match field.as_str() {
                "max_age" => out.max_age = Some(time(value)?),
                "min_age" => out.min_age = Some(time(value)?),
                "max_docs" => out.max_docs = Some(xcontent::long(parser, field, value)?),
                "min_docs" => out.min_docs = Some(xcontent::long(parser, field, value)?),
                "max_primary_shard_docs" => {
                    out.max_primary_shard_docs = Some(xcontent::long(parser, field, value)?)
                }
                "min_primary_shard_docs" => {
                    out.min_primary_shard_docs = Some(xcontent::long(parser, field, value)?)
                }
                "max_size" => out.max_size = Some(size(value)?),
                "min_size" => out.min_size = Some(size(value)?),
                "max_primary_shard_size" => out.max_primary_shard_size = Some(size(value)?),
                _ => out.min_primary_shard_size = Some(size(value)?),
            }
        }
        Ok(out)
    }

    /// Whether any `max_*` condition is set.
    pub fn has_max(&self) -> bool {
        self.max_age.is_some()
            || self.max_docs.is_some()
            || self.max_size.is_some()
            || self.max_primary_shard_size.is_some()
            || self.max_primary_shard_docs.is_some()
    }

    /// Whether any `min_*` condition is set.
    pub fn has_min(&self) -> bool {
        self.min_age.is_some()
            || self.min_docs.is_some()
            || self.min_size.is_some()
            || self.min_primary_shard_size.is_some()
            || self.min_primary_shard_docs.is_some()
    }

    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        !self.has_max() && !self.has_min()
    }

    /// The conditions as Elasticsearch prints them (`max_age: "7d"`), in its field order.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(v) = value {
                out.insert(name.into(), v);
            }
        };
        put("max_size", self.max_size.as_ref().map(|s| json!(s.rep())));
        put(
            "max_primary_shard_size",
            self.max_primary_shard_size.as_ref().map(|s| json!(s.rep())),
        );
        put("max_age", self.max_age.map(|t| json!(t.to_string())));
        put("max_docs", self.max_docs.map(|d| json!(d)));
        put(
            "max_primary_shard_docs",
            self.max_primary_shard_docs.map(|d| json!(d)),
        );
        put("min_size", self.min_size.as_ref().map(|s| json!(s.rep())));
        put(
            "min_primary_shard_size",
            self.min_primary_shard_size.as_ref().map(|s| json!(s.rep())),
        );
        put("min_age", self.min_age.map(|t| json!(t.to_string())));
        put("min_docs", self.min_docs.map(|d| json!(d)));
        put(
            "min_primary_shard_docs",
            self.min_primary_shard_docs.map(|d| json!(d)),
        );
        Value::Object(out)
    }

    /// Each condition's name (`[max_age: 7d]`) and whether `stats` meets it at `now`.
    pub fn evaluate(&self, stats: &RolloverStats, now: i64) -> Vec<(String, bool, bool)> {
        let age = now.saturating_sub(stats.creation_date);
        let docs = i64::try_from(stats.docs).unwrap_or(i64::MAX);
        let shard_docs = i64::try_from(stats.max_primary_shard_docs).unwrap_or(i64::MAX);
        let mut out = Vec::new();
        // (name, met, is_max)
        let mut push = |name: &str, value: String, met: bool, is_max: bool| {
            out.push((format!("[{name}: {value}]"), met, is_max));
        };
        if let Some(t) = self.max_age {
            push("max_age", format_time(t, 1), t.millis() <= age, true);
        }
        if let Some(d) = self.max_docs {
            push("max_docs", d.to_string(), d <= docs, true);
        }
        if let Some(s) = &self.max_size {
            push(
                "max_size",
                s.to_string(),
                stats.size_bytes >= s.bytes(),
                true,
            );
        }
        if let Some(s) = &self.max_primary_shard_size {
            push(
                "max_primary_shard_size",
                s.to_string(),
                stats.max_primary_shard_size >= s.bytes(),
                true,
            );
        }
        if let Some(d) = self.max_primary_shard_docs {
            push(
                "max_primary_shard_docs",
                d.to_string(),
                d <= shard_docs,
                true,
            );
        }
        if let Some(t) = self.min_age {
            push("min_age", format_time(t, 1), t.millis() <= age, false);
        }
        if let Some(d) = self.min_docs {
            push("min_docs", d.to_string(), d <= docs, false);
        }
        if let Some(s) = &self.min_size {
            push(
                "min_size",
                s.to_string(),
                stats.size_bytes >= s.bytes(),
                false,
            );
        }
        if let Some(s) = &self.min_primary_shard_size {
            push(
                "min_primary_shard_size",
                s.to_string(),
                stats.max_primary_shard_size >= s.bytes(),
                false,
            );
        }
        if let Some(d) = self.min_primary_shard_docs {
            push(
                "min_primary_shard_docs",
                d.to_string(),
                d <= shard_docs,
                false,
            );
        }
        out
    }

    /// `areConditionsMet`: no conditions, or every `min_*` and any `max_*` met.
    pub fn met(&self, stats: &RolloverStats, now: i64) -> bool {
        let results = self.evaluate(stats, now);
        if results.is_empty() {
            return true;
        }
        let all_min = results.iter().filter(|r| !r.2).all(|r| r.1);
        let any_max = results.iter().filter(|r| r.2).any(|r| r.1);
        all_min && any_max
    }
}

/// A `POST <target>/_rollover` body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RolloverRequest {
    /// `conditions`.
    pub conditions: RolloverConditions,
    /// `settings`, `mappings` and `aliases` for the new index (aliases only).
    pub create: CreateIndexBody,
    /// Whether `settings`, `mappings` or `aliases` were given at all.
    pub has_create_parts: bool,
}

impl RolloverRequest {
    /// Parses a rollover body (`RolloverRequest.PARSER`); `null` is an empty request.
    pub fn parse(body: &Value) -> Result<Self> {
        const PARSER: &str = "rollover";
        let mut out = Self::default();
        let map = match body {
            Value::Null => return Ok(out),
            other => xcontent::body_object(PARSER, other)?,
        };
        xcontent::check_fields(
            PARSER,
            map,
            &["conditions", "settings", "mappings", "aliases"],
        )?;
        let mut create = Map::new();
        for (field, value) in map {
            let obj = xcontent::object(PARSER, field, value)?;
            if field == "conditions" {
                out.conditions = RolloverConditions::parse(obj, "conditions")
                    .map_err(|e| in_field(PARSER, field, e))?;
            } else {
                create.insert(field.clone(), value.clone());
                out.has_create_parts = true;
            }
        }
        out.create = CreateIndexBody::parse(&Value::Object(create))?;
        if out.conditions.has_min() && !out.conditions.has_max() {
            return Err(StoreError::Validation(vec![
                "at least one max_* rollover condition must be set when using min_* conditions"
                    .into(),
            ]));
        }
        Ok(out)
    }
}

/// What a rollover switches.
#[derive(Debug, Clone, PartialEq)]
pub enum RolloverKind {
    /// A data stream gets a new write backing index.
    DataStream {
        /// The new generation.
        generation: u64,
    },
    /// An alias moves to a new index.
    Alias {
        /// The alias named its write index explicitly (`is_write_index: true`).
        explicit_write_index: bool,
        /// The alias's `is_hidden`.
        is_hidden: Option<bool>,
    },
}

/// A rollover about to happen: the service creates `new_index` from `composed`, then calls
/// [`Metadata::commit_rollover`].
#[derive(Debug, Clone, PartialEq)]
pub struct RolloverPlan {
    /// The alias or data stream.
    pub target: String,
    /// The current write index.
    pub old_index: String,
    /// The index to create.
    pub new_index: String,
    /// What switches.
    pub kind: RolloverKind,
    /// The new index, composed with its templates.
    pub composed: ComposedIndex,
}

/// `MetadataRolloverService.generateRolloverIndexName`: a name ending in `-<digits>` gets the
/// next number, six digits wide (a date math name keeps its `>`).
pub fn next_index_name(source: &str) -> Result<String> {
    let date_math = source.starts_with('<') && source.ends_with('>');
    let body = if date_math {
        &source[..source.len() - 1]
    } else {
        source
    };
    let refuse = || {
        StoreError::IllegalArgument(format!(
            "index name [{source}] does not match pattern '^.*-\\d+$'"
        ))
    };
    let (prefix, digits) = body.rsplit_once('-').ok_or_else(refuse)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse());
    }
    let counter: i32 = digits
        .parse()
        .map_err(|_| StoreError::IllegalArgument(format!("For input string: \"{digits}\"")))?;
    let next = counter.checked_add(1).ok_or_else(refuse)?;
    Ok(format!(
        "{prefix}-{next:06}{}",
        if date_math { ">" } else { "" }
    ))
}

impl Metadata {
    /// When `index` was rolled over, if it was.
    pub fn rollover_date(&self, index: &str) -> Option<i64> {
        self.rollover_dates.get(index).copied()
    }

    /// Plans `POST <target>/_rollover[/<new_index>]` with `MetadataRolloverService`'s checks.
    /// `provided_name` is the write index's `index.provided_name` (a date math source name),
    /// when it has one.
    #[allow(clippy::too_many_arguments)]
    pub fn plan_rollover(
        &self,
        target: &str,
        new_index: Option<&str>,
        provided_name: Option<&str>,
        request: &RolloverRequest,
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
        now: i64,
    ) -> Result<RolloverPlan> {
        if let Some(ds) = self.data_streams.get(target) {
            if new_index.is_some() {
                return Err(StoreError::IllegalArgument(
                    "new index name may not be specified when rolling over a data stream".into(),
                ));
            }
            if request.has_create_parts
                && (!request.create.settings.is_empty()
                    || !request.create.aliases.is_empty()
                    || request
                        .create
                        .mappings
                        .as_ref()
                        .is_some_and(|m| !m.is_empty()))
            {
                return Err(StoreError::IllegalArgument(
                    "aliases, mappings, and index settings may not be specified when rolling over a data stream".into(),
                ));
            }
            let old_index = ds.write_index().map(String::from).ok_or_else(|| {
                StoreError::IllegalArgument(format!(
                    "rollover target [{target}] does not point to a write index"
                ))
            })?;
            let template = self.find_index_template(target, false)?.ok_or_else(|| {
                StoreError::IllegalArgument(format!(
                    "no matching index template found for data stream [{target}]"
                ))
            })?;
            if self
                .index_templates
                .get(&template)
                .is_none_or(|t| t.data_stream.is_none())
            {
                return Err(StoreError::IllegalArgument(format!(
                    "matching index template [{template}] for data stream [{target}] has no data stream template"
                )));
            }
            let mut generation = ds.generation;
            let name = loop {
                generation = generation.checked_add(1).ok_or_else(|| {
                    StoreError::IllegalState(format!(
                        "data stream [{target}] has no generation left to roll over to"
                    ))
                })?;
                let candidate = backing_index_name(target, generation, now);
                let taken = concrete.iter().any(|c| c.name == candidate)
                    || self.data_streams.contains_key(&candidate)
                    || self.alias_views().contains_key(&candidate);
                if !taken {
                    break candidate;
                }
            };
            let composed = self.compose_backing_index(&name, &template, concrete, checks, now)?;
            return Ok(RolloverPlan {
                target: target.to_string(),
                old_index,
                new_index: name,
                kind: RolloverKind::DataStream { generation },
                composed,
            });
        }
        let views = self.alias_views();
        let Some(view) = views.get(target) else {
            if concrete.iter().any(|c| c.name == target) {
                return Err(StoreError::IllegalArgument(
                    "rollover target is a [concrete index] but one of [alias,data_stream] was expected".into(),
                ));
            }
            return Err(StoreError::IllegalArgument(format!(
                "rollover target [{target}] does not exist"
            )));
        };
        if self.data_stream_aliases.contains_key(target) {
            return Err(StoreError::IllegalArgument(format!(
                "rollover target [{target}] is a data stream alias, roll over its data streams instead"
            )));
        }
        let old_index = view.write_index.clone().ok_or_else(|| {
            StoreError::IllegalArgument(format!(
                "rollover target [{target}] does not point to a write index"
            ))
        })?;
        let alias_md = self
            .index_aliases
            .get(&old_index)
            .and_then(|a| a.get(target))
            .cloned()
            .unwrap_or_default();
        let source = provided_name.unwrap_or(&old_index);
        let unresolved = match new_index {
            Some(n) => n.to_string(),
            None => next_index_name(source)?,
        };
        let name = if unresolved.starts_with('<') {
            let at = ironstack_types::date::timestamp_from_millis(now)
                .map_err(|e| StoreError::IllegalArgument(e.to_string()))?;
            ironstack_types::date_math_name::resolve(&unresolved, at)
                .map_err(|e| StoreError::Parse(e.to_string()))?
        } else {
            unresolved.clone()
        };
        if let Some(existing) = concrete.iter().find(|c| c.name == name) {
            return Err(StoreError::IndexAlreadyExists {
                index: name.clone(),
                uuid: existing.uuid.clone(),
            });
        }
        if let Some(template_name) =
            self.find_index_template(&name, alias_md.is_hidden == Some(true))?
            && let Some(template) = self.index_templates.get(&template_name)
            && self
                .resolve_aliases(template)
                .iter()
                .any(|aliases| aliases.contains_key(target))
        {
            return Err(StoreError::IllegalArgument(format!(
                "Rollover alias [{target}] can point to multiple indices, found duplicated alias [[{target}]] in index template [{template_name}]"
            )));
        }
        let mut body = request.create.clone();
        body.settings
            .entry("index.provided_name".into())
            .or_insert_with(|| Value::String(unresolved.clone()));
        let composed = self.compose_index(&name, &body, concrete, checks, now)?;
        Ok(RolloverPlan {
            target: target.to_string(),
            old_index,
            new_index: name,
            kind: RolloverKind::Alias {
                explicit_write_index: alias_md.is_write_index == Some(true),
                is_hidden: alias_md.is_hidden,
            },
            composed,
        })
    }

    /// Switches the alias or data stream to the created index and records when the old one
    /// was rolled over. The new index's own aliases (from its body and templates) are added.
    pub fn commit_rollover(
        &mut self,
        plan: &RolloverPlan,
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
        now: i64,
    ) -> Result<()> {
        let mut next = self.clone();
        match &plan.kind {
            RolloverKind::DataStream { generation } => {
                let ds = next
                    .data_streams
                    .get_mut(&plan.target)
                    .ok_or_else(|| StoreError::index_not_found(plan.target.clone()))?;
                ds.indices.push(plan.new_index.clone());
                ds.generation = *generation;
                ds.rollover_on_write = false;
            }
            RolloverKind::Alias {
                explicit_write_index,
                is_hidden,
            } => {
                next.register_index(&plan.composed, concrete, checks)?;
                let new_md = AliasMetadata {
                    is_write_index: explicit_write_index.then_some(true),
                    is_hidden: *is_hidden,
                    ..AliasMetadata::default()
                };
                next.index_aliases
                    .entry(plan.new_index.clone())
                    .or_default()
                    .insert(plan.target.clone(), new_md);
                let old = next
                    .index_aliases
                    .entry(plan.old_index.clone())
                    .or_default();
                if *explicit_write_index {
                    old.insert(
                        plan.target.clone(),
                        AliasMetadata {
                            is_write_index: Some(false),
                            is_hidden: *is_hidden,
                            ..AliasMetadata::default()
                        },
                    );
                } else {
                    old.remove(&plan.target);
                }
                next.index_aliases.retain(|_, a| !a.is_empty());
            }
        }
        next.rollover_dates.insert(plan.old_index.clone(), now);
        *self = next;
        Ok(())
    }

    /// Marks a data stream for rollover on its next write (`?lazy=true`).
    pub fn mark_lazy_rollover(&mut self, data_stream: &str) -> Result<()> {
        let ds = self
            .data_streams
            .get_mut(data_stream)
            .ok_or_else(|| StoreError::index_not_found(data_stream))?;
        ds.rollover_on_write = true;
        Ok(())
    }
}

/// The `_rollover` response body.
pub fn rollover_response(
    old_index: &str,
    new_index: &str,
    conditions: &[(String, bool, bool)],
    rolled_over: bool,
    dry_run: bool,
    lazy: bool,
) -> Value {
    let conditions: BTreeMap<&str, bool> = conditions
        .iter()
        .map(|(name, met, _)| (name.as_str(), *met))
        .collect();
    json!({
        "acknowledged": rolled_over,
        "shards_acknowledged": rolled_over,
        "old_index": old_index,
        "new_index": new_index,
        "rolled_over": rolled_over,
        "dry_run": dry_run,
        "lazy": lazy,
        "conditions": conditions,
    })
}

#[cfg(test)]
#[path = "rollover_tests.rs"]
mod tests;
