//! `setup [--index-management]`: connects with a separate client (the first host that
//! answers `GET /`), loads the ILM policy if missing (or always with
//! `setup.ilm.overwrite`), overwrites the index template, and creates the data stream.

use http::Method;

use crate::client::{EsClient, tls_config};
use crate::config::ShipperConfig;
use crate::{Error, Result, index_management};

/// Runs index setup.
pub async fn run(config: &ShipperConfig) -> Result<()> {
    let tls = tls_config(&config.output)?;
    let mut last_error = None;
    for host in &config.output.hosts {
        let mut client = EsClient::new(host.clone(), &config.output, tls.clone())?;
        match client.request(Method::GET, "/", None).await {
            Ok(r) if r.status.is_success() => return setup_with(&mut client, config).await,
            Ok(r) => {
                last_error = Some(Error::Response(format!(
                    "{host} answered GET / with {} {}",
                    r.status.as_u16(),
                    r.reason()
                )));
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| Error::Connection("no output hosts".to_string())))
}

async fn setup_with(client: &mut EsClient, config: &ShipperConfig) -> Result<()> {
    let setup = &config.setup;
    let index = &config.output.index;
    if setup.ilm_enabled {
        let loaded = index_management::ensure_ilm_policy(
            client,
            &setup.ilm_policy_name,
            setup.ilm_overwrite,
            setup.ilm_check_exists,
        )
        .await?;
        tracing::info!(loaded, "ILM policy [{}] ready", setup.ilm_policy_name);
    } else {
        tracing::warn!("ILM is disabled (custom index or setup.ilm.enabled: false)");
    }
    if setup.template_enabled {
        index_management::ensure_template(
            client,
            &setup.template_name,
            &setup.template_pattern,
            setup.ilm_enabled.then_some(setup.ilm_policy_name.as_str()),
            true,
        )
        .await?;
        if index_management::pattern_matches(&setup.template_pattern, index) {
            index_management::ensure_data_stream(client, index).await?;
        }
    }
    Ok(())
}
