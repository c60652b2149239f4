//! ILM's execution in the node: a background task that, every
//! `indices.lifecycle.poll_interval`, moves each managed index through its policy
//! (`StoreService::run_ilm`: rollover of data streams and aliases, delete-phase deletion,
//! settings actions) and logs what it did. A failed action is retried by the next poll.

use std::sync::Arc;
use std::time::Duration;

use ironstack_store::service::{IlmRun, StoreService};

/// Starts the runner on the current Tokio runtime. The first poll comes one interval after
/// the start, as Elasticsearch's `IndexLifecycleService` schedules it.
pub(crate) fn spawn(store: Arc<StoreService>, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + interval;
        let mut ticker = tokio::time::interval_at(start, interval);
        // A poll that took longer than the interval is followed by one interval's rest, not a
        // burst of catch-up polls.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            poll(&store).await;
        }
    })
}

/// One poll, on the blocking pool (it writes metadata and may create or delete indices).
pub(crate) async fn poll(store: &Arc<StoreService>) -> IlmRun {
    let store = store.clone();
    let now = ironstack_types::date::now_millis();
    let run = match tokio::task::spawn_blocking(move || store.run_ilm(now)).await {
        Ok(run) => run,
        Err(e) => {
            tracing::warn!("the ILM poll failed: {e}");
            return IlmRun::default();
        }
    };
    for (target, old) in &run.rolled_over {
        tracing::info!("ILM rolled over [{target}] (from [{old}])");
    }
    for index in &run.deleted {
        tracing::info!("ILM deleted index [{index}]");
    }
    for failure in &run.failures {
        tracing::warn!("ILM: {failure}");
    }
    run
}

#[cfg(test)]
#[path = "ilm_runner_tests.rs"]
mod tests;
