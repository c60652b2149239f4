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
    let index = &config.output.index;
    if config.setup.ilm_enabled {
        let loaded = index_management::ensure_ilm_policy(
            client,
            config.setup.ilm_overwrite,
            config.setup.ilm_check_exists,
        )
        .await?;
        tracing::info!(
            loaded,
            "ILM policy [{}] ready",
            index_management::POLICY_NAME
        );
    } else {
        tracing::warn!("ILM is disabled (custom index or setup.ilm.enabled: false)");
    }
    if config.setup.template_enabled {
        index_management::ensure_template(client, index, config.setup.ilm_enabled, true).await?;
        index_management::ensure_data_stream(client, index).await?;
    }
    Ok(())
}
