//! The environment variable names the configuration loader reads. They are the only ones:
//! everything else from the environment reaches the settings through explicit `${VAR}`
//! placeholders in `ironstack.yml`.

/// Directory holding `ironstack.yml`, the keystore and the certificates (Elasticsearch:
/// `ES_PATH_CONF`). Default: `./config`.
pub const IRONSTACK_PATH_CONF: &str = "IRONSTACK_PATH_CONF";

/// Host name used as the default `node.name` (before `/proc/sys/kernel/hostname`).
pub const HOSTNAME: &str = "HOSTNAME";
