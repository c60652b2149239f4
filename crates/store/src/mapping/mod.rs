//! Elasticsearch mappings, index settings and index names, as pure logic over JSON. Name
//! rules live in [`names`].

pub mod names;
