//! A store wrapper whose commits can be made to fail (feature `testkit`): the tests
//! of "store down → 503, nothing forwarded" switch it on while requests are served.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The switch.
#[derive(Clone, Default)]
pub struct Faults {
    fail_commits: Arc<AtomicBool>,
}

impl Faults {
    /// Every commit fails from now on (`true`) or works again (`false`).
    pub fn fail_commits(&self, on: bool) {
        self.fail_commits.store(on, Ordering::SeqCst);
    }
}

/// `inner` with [`Faults`].
pub struct FaultyStore<S> {
    pub inner: S,
    pub faults: Faults,
}

#[async_trait::async_trait]
impl<S: Store> Store for FaultyStore<S> {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    fn shared(&self) -> bool {
        self.inner.shared()
    }
    async fn open(&self, binding: &Binding, replica: &str) -> Result<(), StoreError> {
        self.inner.open(binding, replica).await
    }
    async fn commit(&self, ops: Vec<Op>) -> Result<Vec<Outcome>, StoreError> {
        if self.faults.fail_commits.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("injected fault: disk full".into()));
        }
        self.inner.commit(ops).await
    }
    async fn channels(&self) -> Result<Vec<StoredChannel>, StoreError> {
        self.inner.channels().await
    }
    async fn channel(&self, id: ChannelId) -> Result<Option<StoredChannel>, StoreError> {
        self.inner.channel(id).await
    }
    async fn claimable(&self) -> Result<Vec<StoredChannel>, StoreError> {
        self.inner.claimable().await
    }
    async fn open_claims(&self) -> Result<Vec<ClaimRecord>, StoreError> {
        self.inner.open_claims().await
    }
}
