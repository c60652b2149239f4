//! The checks metadata changes run on settings, mappings and alias filters, done by the
//! modules that own those formats: index settings and mappings by [`crate::mapping`], alias
//! filters by the query parser.

use serde_json::{Map, Value};

use crate::Result;
use crate::mapping::Mapping;
use crate::mapping::settings::Settings;
use crate::metadata::{Checks, FlatSettings};
use crate::query::parse_query;

/// The store's [`Checks`].
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreChecks;

impl Checks for StoreChecks {
    fn settings_errors(&self, settings: &FlatSettings) -> Vec<String> {
        let flat: Map<String, Value> = settings
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        match Settings::from_flat(flat) {
            Ok(_) => Vec::new(),
            Err(e) => vec![e.to_string()],
        }
    }

    fn check_mappings(&self, mappings: &Map<String, Value>) -> Result<()> {
        Mapping::from_json(&Value::Object(mappings.clone())).map(|_| ())
    }

    fn check_filter(&self, filter: &Value) -> Result<()> {
        parse_query(filter).map(|_| ())
    }
}
