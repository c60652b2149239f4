//! One integration-test binary for everything that drives the built `ironstack` binary and
//! checks its output with real tools (openssl, keytool, curl, Python). One binary links once.

#[path = "integration/support.rs"]
mod support;

#[path = "integration/api_keys.rs"]
mod api_keys;
#[path = "integration/audit.rs"]
mod audit;
#[path = "integration/certutil.rs"]
mod certutil;
#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/cli_pipes.rs"]
mod cli_pipes;
#[path = "integration/console.rs"]
mod console;
#[path = "integration/console_monitoring.rs"]
mod console_monitoring;
#[path = "integration/documents.rs"]
mod documents;
#[path = "integration/guide.rs"]
mod guide;
#[path = "integration/hostile.rs"]
mod hostile;
#[path = "integration/indices.rs"]
mod indices;
#[path = "integration/keystore.rs"]
mod keystore;
#[path = "integration/node.rs"]
mod node;
#[path = "integration/node_client.rs"]
mod node_client;
#[path = "integration/node_startup.rs"]
mod node_startup;
#[path = "integration/node_stats.rs"]
mod node_stats;
#[path = "integration/pki.rs"]
mod pki;
#[path = "integration/secrets.rs"]
mod secrets;
#[path = "integration/security.rs"]
mod security;
#[path = "integration/security_apis.rs"]
mod security_apis;
#[path = "integration/service_accounts.rs"]
mod service_accounts;
#[path = "integration/shipper.rs"]
mod shipper;
#[path = "integration/shipper_loss.rs"]
mod shipper_loss;
#[path = "integration/store_stats.rs"]
mod store_stats;
#[path = "integration/tokens.rs"]
mod tokens;
#[path = "integration/tools.rs"]
mod tools;
