//! The [`Chain`] trait: what the suite needs from a chain.

use crate::error::ChainError;
use crate::key::AccountKey;
use crate::types::*;
use futures::stream::BoxStream;

/// Finalized blocks' contract events, in block order.
pub type EventStream = BoxStream<'static, Result<BlockEvents, ChainError>>;

/// A chain with pallet-contracts: a real node ([`crate::node::Node`]) or the in-process
/// sandbox (`crate::sandbox::Sandbox`, feature `sandbox`).
///
/// Every method takes `&self` and is safe to call from many tasks at once: a backend
/// serializes what must be serialized (the sandbox its state, the node each signer's
/// nonce).
#[async_trait::async_trait]
pub trait Chain: Send + Sync {
    /// Name, endpoint and genesis hash.
    fn info(&self) -> ChainInfo;

    /// The account read-only dry runs are made from.
    fn query_origin(&self) -> AccountId;

    /// Dry-runs `call` as `origin`: nothing changes on chain.
    async fn dry_run(&self, origin: &AccountId, call: &ContractCall) -> Result<DryRun, ChainError>;

    /// Dry-runs `call` as `signer`; unless it reverts, submits it signed by `signer`
    /// with the dry run's gas (plus a margin) and waits until it is in a block. A
    /// reverted dry run is returned as it is, not submitted (it would change nothing).
    async fn submit(
        &self,
        signer: &AccountKey,
        call: &ContractCall,
    ) -> Result<Submitted, ChainError>;

    /// Dry-runs an instantiation as `origin` (the code is referenced by hash if the
    /// chain has it, else uploaded).
    async fn dry_run_instantiate(
        &self,
        origin: &AccountId,
        inst: &Instantiation,
    ) -> Result<DryRunInstantiation, ChainError>;

    /// Instantiates (dry run first; a reverted constructor is
    /// [`ChainError::ConstructorReverted`]) and waits until it is in a block.
    async fn instantiate(
        &self,
        signer: &AccountKey,
        inst: &Instantiation,
    ) -> Result<Instantiated, ChainError>;

    /// The free native balance of `who`.
    async fn free_balance(&self, who: &AccountId) -> Result<Balance, ChainError>;

    /// Makes sure `who` has at least `amount` free: the sandbox mints, a node tops up
    /// from `funder` (a transfer of the difference).
    async fn fund(
        &self,
        funder: &AccountKey,
        who: &AccountId,
        amount: Balance,
    ) -> Result<(), ChainError>;

    /// The code hash of the contract at `address`, `None` if no contract is there.
    async fn code_hash_at(&self, address: &AccountId) -> Result<Option<CodeHash>, ChainError>;

    /// The time the next block will carry (ms).
    async fn now(&self) -> Result<Timestamp, ChainError>;

    /// Lets `ms` of chain time pass: the sandbox moves its clock; a node waits, then
    /// seals a block so that dry runs see the new time.
    async fn advance(&self, ms: Timestamp) -> Result<(), ChainError>;

    /// The contract events of every block finalized from now on.
    async fn subscribe(&self) -> Result<EventStream, ChainError>;
}

/// A chain behind a reference, a `Box` or an `Arc` is a chain (one backend shared by
/// many clients, or chosen at run time as `Box<dyn Chain>`).
macro_rules! forward {
    ($($ptr:ty),*) => {$(
        #[async_trait::async_trait]
        impl<T: Chain + ?Sized> Chain for $ptr {
            fn info(&self) -> ChainInfo {
                (**self).info()
            }
            fn query_origin(&self) -> AccountId {
                (**self).query_origin()
            }
            async fn dry_run(&self, origin: &AccountId, call: &ContractCall) -> Result<DryRun, ChainError> {
                (**self).dry_run(origin, call).await
            }
            async fn submit(&self, signer: &AccountKey, call: &ContractCall) -> Result<Submitted, ChainError> {
                (**self).submit(signer, call).await
            }
            async fn dry_run_instantiate(&self, origin: &AccountId, inst: &Instantiation) -> Result<DryRunInstantiation, ChainError> {
                (**self).dry_run_instantiate(origin, inst).await
            }
            async fn instantiate(&self, signer: &AccountKey, inst: &Instantiation) -> Result<Instantiated, ChainError> {
                (**self).instantiate(signer, inst).await
            }
            async fn free_balance(&self, who: &AccountId) -> Result<Balance, ChainError> {
                (**self).free_balance(who).await
            }
            async fn fund(&self, funder: &AccountKey, who: &AccountId, amount: Balance) -> Result<(), ChainError> {
                (**self).fund(funder, who, amount).await
            }
            async fn code_hash_at(&self, address: &AccountId) -> Result<Option<CodeHash>, ChainError> {
                (**self).code_hash_at(address).await
            }
            async fn now(&self) -> Result<Timestamp, ChainError> {
                (**self).now().await
            }
            async fn advance(&self, ms: Timestamp) -> Result<(), ChainError> {
                (**self).advance(ms).await
            }
            async fn subscribe(&self) -> Result<EventStream, ChainError> {
                (**self).subscribe().await
            }
        }
    )*};
}

forward!(&T, Box<T>, std::sync::Arc<T>);
