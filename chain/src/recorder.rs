//! [`Recorder`]: a [`Chain`] that records the cost of every call made through it.

use crate::chain::{Chain, EventStream};
use crate::error::ChainError;
use crate::key::AccountKey;
use crate::types::*;
use std::sync::{Arc, Mutex};

/// One recorded call: a label (`contract::message` as the caller names it, or the
/// selector in hex) and what it cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostEntry {
    pub label: String,
    pub cost: Cost,
    /// Transaction fee paid (0 in the sandbox).
    pub fee: Balance,
}

/// Wraps a chain and records the gas, storage deposit and fee of every submitted call
/// and instantiation (dry runs, and calls refused at their dry run, are not recorded).
/// Labels come from [`Recorder::label_next`] (dropped with a refused call) or default
/// to the call's selector.
pub struct Recorder<C> {
    inner: C,
    log: Arc<Mutex<Vec<CostEntry>>>,
    next_label: Mutex<Option<String>>,
}

impl<C: Chain> Recorder<C> {
    pub fn new(inner: C) -> Self {
        Recorder {
            inner,
            log: Arc::default(),
            next_label: Mutex::new(None),
        }
    }

    /// The wrapped chain.
    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// Names the next recorded call (e.g. `escrow::claim_batch`).
    pub fn label_next(&self, label: impl Into<String>) {
        *self.next_label.lock().unwrap_or_else(|p| p.into_inner()) = Some(label.into());
    }

    /// Everything recorded so far.
    pub fn entries(&self) -> Vec<CostEntry> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Total ref_time of everything recorded.
    pub fn total_ref_time(&self) -> u64 {
        self.entries().iter().map(|e| e.cost.ref_time).sum()
    }

    /// Total transaction fees of everything recorded.
    pub fn total_fees(&self) -> Balance {
        self.entries().iter().map(|e| e.fee).sum()
    }

    fn record(&self, default_label: String, cost: Cost, fee: Balance) {
        let label = self
            .next_label
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or(default_label);
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(CostEntry { label, cost, fee });
    }
}

fn selector_label(data: &[u8]) -> String {
    hex0x(data.get(..4).unwrap_or(data))
}

#[async_trait::async_trait]
impl<C: Chain> Chain for Recorder<C> {
    fn info(&self) -> ChainInfo {
        self.inner.info()
    }
    fn query_origin(&self) -> AccountId {
        self.inner.query_origin()
    }
    async fn dry_run(&self, origin: &AccountId, call: &ContractCall) -> Result<DryRun, ChainError> {
        self.inner.dry_run(origin, call).await
    }
    async fn submit(
        &self,
        signer: &AccountKey,
        call: &ContractCall,
    ) -> Result<Submitted, ChainError> {
        let s = self.inner.submit(signer, call).await;
        match &s {
            Ok(s) if !s.dry_run.reverted => {
                self.record(selector_label(&call.data), s.dry_run.cost, s.fee)
            }
            // Not submitted: the label named this call, not the next one.
            _ => {
                self.next_label
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take();
            }
        }
        s
    }
    async fn dry_run_instantiate(
        &self,
        origin: &AccountId,
        inst: &Instantiation,
    ) -> Result<DryRunInstantiation, ChainError> {
        self.inner.dry_run_instantiate(origin, inst).await
    }
    async fn instantiate(
        &self,
        signer: &AccountKey,
        inst: &Instantiation,
    ) -> Result<Instantiated, ChainError> {
        let i = self.inner.instantiate(signer, inst).await;
        match &i {
            Ok(i) => self.record(selector_label(&inst.data), i.cost, i.fee),
            Err(_) => {
                self.next_label
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take();
            }
        }
        i
    }
    async fn free_balance(&self, who: &AccountId) -> Result<Balance, ChainError> {
        self.inner.free_balance(who).await
    }
    async fn fund(
        &self,
        funder: &AccountKey,
        who: &AccountId,
        amount: Balance,
    ) -> Result<(), ChainError> {
        self.inner.fund(funder, who, amount).await
    }
    async fn code_hash_at(&self, address: &AccountId) -> Result<Option<CodeHash>, ChainError> {
        self.inner.code_hash_at(address).await
    }
    async fn now(&self) -> Result<Timestamp, ChainError> {
        self.inner.now().await
    }
    async fn advance(&self, ms: Timestamp) -> Result<(), ChainError> {
        self.inner.advance(ms).await
    }
    async fn subscribe(&self) -> Result<EventStream, ChainError> {
        self.inner.subscribe().await
    }
}
